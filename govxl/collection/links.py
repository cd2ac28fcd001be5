"""Agencies' self-check links: each agency of the roster gets an address with a secret in it
(printed on its workbook's cover, listed for the office to send). Through it the agency uploads its
own workbook, sees its findings at once and nothing of any other agency. A link can be revoked
and a new one issued; the secret is 128 random bits, so it cannot be guessed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from govxl.roster import Agency
from govxl.store import Store

LINK_PATH = "/a/"  # the workbench's route for an agency's link


@dataclass
class AgencyLink:
    agency: Agency
    token: str

    def url(self, base: str) -> str:
        """The address of the link on a workbench reachable at ``base`` (http://10.1.2.3:8765)."""
        return base.rstrip("/") + LINK_PATH + self.token

    def as_dict(self) -> dict:
        return {"code": self.agency.code, "name": self.agency.name, "token": self.token}


def new_token() -> str:
    return secrets.token_urlsafe(16)


def links(store: Store, codes: list[str] | None = None, *, issue: bool = True) -> list[AgencyLink]:
    """The link of every agency of the roster (or of ``codes``), in roster order; with ``issue``,
    agencies without one get one now."""
    known = store.links()
    out = []
    for agency in store.roster():
        if codes is not None and agency.code not in codes:
            continue
        token = known.get(agency.code)
        if token is None and issue:
            token = new_token()
            store.set_link(agency.code, token)
        if token is not None:
            out.append(AgencyLink(agency, token))
    return out


def reissue(store: Store, code: str) -> AgencyLink | None:
    """A new link for the agency; the old one stops working. None if the code is not on the roster."""
    agency = next((a for a in store.roster() if a.code == code), None)
    if agency is None:
        return None
    token = new_token()
    store.set_link(code, token)
    return AgencyLink(agency, token)


def revoke(store: Store, code: str) -> bool:
    """The agency's link stops working (a new one can be issued later)."""
    return store.drop_link(code)


def agency_of(store: Store, token: str) -> Agency | None:
    """The agency a token belongs to, if it is valid and the agency is still on the roster."""
    if not token or len(token) > 64:
        return None
    code = store.link_agency(token)
    if code is None:
        return None
    return next((a for a in store.roster() if a.code == code), None)
