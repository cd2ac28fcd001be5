"""The pages, downloads and JSON answers of the workbench, each one call of :mod:`govxl.api`.

Every state-changing route is a POST registered through :func:`post`, which reads the form with
its CSRF token checked (and, for uploads, the size limits checked before the body is read)."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from govxl import api
from govxl import messages as msg
from govxl.errors import GovxlError, InvalidArgument
from govxl.roster import RosterError
from govxl.web import security as sec
from govxl.web.app import (
    STATIC,
    Guard,
    WebConfig,
    STATIC_FILES,
    XLSX,
    Refused,
    Workbench,
    describe,
    download,
    download_bytes,
    read_form,
    take_uploads,
    uploads,
)
from govxl.web.jobs import Job

STEPS = [("roster", "名单"), ("generate", "下发"), ("collect", "收集"), ("progress", "进度"), ("summary", "汇总"),
         ("reports", "报告"), ("import", "往年报告")]
REPORT_FORMATS = {"html": "网页（.html）", "docx": "Word（.docx）", "md": "Markdown（.md）"}
EXPORT_FORMATS = {"xlsx": "Excel（.xlsx）", "csv": "CSV（.csv）", "json": "JSON（.json）"}


def build(config: WebConfig) -> Starlette:
    """The workbench as an ASGI application."""
    wb = Workbench(config)
    app = Starlette(routes=table(wb), lifespan=_lifespan(wb))
    app.state.workbench = wb
    return Guard(app, wb)


def _lifespan(wb: Workbench):
    import contextlib

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        wb.close()

    return lifespan


def table(wb: Workbench) -> list[Route]:
    """Every route of the workbench."""
    r = Routes(wb)
    get = lambda path, fn: Route(path, fn, methods=["GET", "HEAD"])  # noqa: E731
    return [
        get("/", r.home),
        get("/favicon.ico", r.favicon),
        get("/static/{name}", r.static),
        get("/login", r.login_page),
        post("/login", r.login, wb, login=True),
        post("/logout", r.logout, wb),
        get("/year", r.switch_year),
        get("/{year:int}/", r.overview),
        get("/{year:int}/roster", r.roster),
        post("/{year:int}/roster/upload", r.roster_upload, wb, limits=api.UploadLimits(count=1)),
        post("/{year:int}/roster/save", r.roster_save, wb),
        post("/{year:int}/roster/remove", r.roster_remove, wb),
        get("/{year:int}/roster.csv", r.roster_csv),
        get("/{year:int}/generate", r.generate_page),
        post("/{year:int}/generate", r.generate, wb),
        get("/{year:int}/workbook/{code}", r.one_workbook),
        get("/{year:int}/blank.xlsx", r.blank_workbook),
        get("/{year:int}/collect", r.collect_page),
        post("/{year:int}/collect", r.collect, wb, limits=wb.config.limits),
        get("/{year:int}/issues.xlsx", r.issues),
        get("/{year:int}/agency/{code}", r.agency),
        post("/{year:int}/agency/{code}/pin", r.pin, wb),
        post("/{year:int}/agency/{code}/unpin", r.unpin, wb),
        get("/{year:int}/agency/{code}/file/{version:int}", r.original),
        get("/{year:int}/agency/{code}/feedback", r.feedback),
        get("/{year:int}/progress", r.progress),
        get("/{year:int}/reminders.csv", r.reminders_csv),
        get("/{year:int}/summary", r.summary),
        post("/{year:int}/summary/name", r.summary_name, wb),
        get("/{year:int}/summary.xlsx", r.summary_xlsx),
        get("/{year:int}/export/{fmt}", r.export),
        get("/{year:int}/reports", r.reports_page),
        post("/{year:int}/reports", r.reports, wb),
        get("/{year:int}/import", r.import_page),
        post("/{year:int}/import", r.import_reports, wb, limits=api.UploadLimits(count=50)),
        get("/{year:int}/links", r.links),
        post("/{year:int}/links/reissue", r.link_reissue, wb),
        post("/{year:int}/links/revoke", r.link_revoke, wb),
        get("/jobs/{job}", r.job),
        get("/jobs/{job}/file/{n:int}", r.job_file),
        get("/jobs/{job}/preview/{n:int}", r.job_preview),
        get("/api/health", r.health),
        get("/api/jobs/{job}", r.job_json),
        get("/api/{year:int}/status", r.api_status),
        post("/api/{year:int}/collect", r.api_collect, wb, limits=wb.config.limits),
        get("/api/{year:int}/merge", r.api_merge),
        get("/api/{year:int}/summary.xlsx", r.summary_xlsx),
        get("/api/{year:int}/agency/{code}", r.api_agency),
        get("/a/{token}", r.agency_link),
        post("/a/{token}/upload", r.agency_upload, wb, limits=wb.config.agency_limits, agency=True),
        get("/a/{token}/checked/{check}", r.agency_checked),
        get("/a/{token}/checked/{check}/feedback/{n:int}", r.agency_checked_feedback),
        post("/a/{token}/submit", r.agency_submit, wb, agency=True),
        get("/a/{token}/feedback", r.agency_feedback),
    ]


def post(path: str, handler: Callable, wb: Workbench, *, limits: api.UploadLimits | None = None,
         login: bool = False, agency: bool = False) -> Route:
    """A state-changing route: the form is read (CSRF token checked, limits before the body) and
    handed to ``handler(request, form)``; a refusal is a page (or JSON for /api/) with a message."""
    async def endpoint(request: Request):
        json_route = request.url.path.startswith("/api/")
        if agency:  # an agency's link: its token is checked (and rate-limited) before its form is read
            found = await run_in_threadpool(_link_agency, wb, request)
            if isinstance(found, Response):
                return found
            request.scope["govxl.agency"] = found
        try:
            if json_route and request.scope.get("govxl.bearer"):
                form = await _bearer_form(request, limits)
            else:
                form = await read_form(request, limits=limits)
        except Refused as e:
            if json_route:
                return JSONResponse({"ok": False, "error": e.text}, e.status)
            return wb.message(request, "未能执行", e.text, e.status)
        try:
            return await handler(request, form)
        finally:
            await form.close()

    return Route(path, endpoint, methods=["POST"])


async def _bearer_form(request: Request, limits):
    """The JSON API called with the bearer token (a program, not a browser): no CSRF token needed,
    since no browser sends that header by itself."""
    from govxl.web.app import FORM_OVERHEAD

    total = (limits.total if limits else 0) + FORM_OVERHEAD
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > total:
        raise Refused(413, msg.UPLOAD_TOO_LARGE.format(size=f"{int(declared) // 1024 // 1024} MB",
                                                       limit=f"{(total - FORM_OVERHEAD) // 1024 // 1024} MB"))
    request._receive = sec.limit_body(request.receive, total)
    try:
        return await request.form(max_files=(limits.count if limits else 0) + 1, max_fields=200)
    except sec.BodyTooLarge:
        raise Refused(413, msg.UPLOAD_TOO_LARGE.format(size="?", limit=f"{(total - FORM_OVERHEAD) // 1024 // 1024} MB")) \
            from None
    except Exception:
        raise Refused(400, msg.WEB_BAD_REQUEST) from None


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _link_agency(wb: Workbench, request: Request):
    """The agency of the link in the path, or the refusal (unknown token: counted per address)."""
    address = _client(request)
    if wb.link_limit.blocked(address):
        return wb.message(request, "请稍后再试", msg.WEB_TOO_MANY_TRIES, 429)
    agency = api.agency_for_token(wb.store, request.path_params["token"])
    if agency is None:
        wb.link_limit.hit(address)
        return wb.message(request, "网址无效", msg.WEB_LINK_INVALID, 404)
    return agency


def _check_gone() -> str:
    from govxl.web import jobs

    return msg.WEB_CHECK_GONE.format(hours=max(1, jobs.CHECK_LIFE // 3600))


def _year(request: Request) -> int:
    return api.check_year(request.path_params["year"])


class Routes:
    def __init__(self, wb: Workbench):
        self.wb = wb
        wb.env.globals["steps"] = STEPS

    @property
    def store(self):
        return self.wb.store

    def _page(self, request, template, status_code: int = 200, **context):
        return self.wb.page(request, template, status_code, **context)

    async def _sync(self, fn, *args):
        return await run_in_threadpool(fn, *args)

    async def _api(self, fn, *args, **kwargs):
        """``fn(store, *args, **kwargs)`` in a worker thread, with that thread's store connection."""
        return await run_in_threadpool(lambda: fn(self.store, *args, **kwargs))

    # --- home, static, login -----------------------------------------------------------------------

    async def home(self, request: Request):
        return RedirectResponse(f"/{self.wb.config.year}/", 303)

    async def favicon(self, request: Request):
        return Response(status_code=204)

    async def static(self, request: Request):
        name = request.path_params["name"]
        if name not in STATIC_FILES:  # a fixed list: no directory listing, nothing else served
            return Response(msg.WEB_NOT_FOUND, 404, media_type="text/plain; charset=utf-8")
        return FileResponse(STATIC / name, media_type=STATIC_FILES[name], headers={"cache-control": "max-age=3600"})

    async def login_page(self, request: Request):
        return self._page(request, "login.html", error=None, next=_safe_next(request.query_params.get("next")))

    async def login(self, request: Request, form):
        address = _client(request)
        target = _safe_next(form.get("next"))
        if self.wb.login_limit.blocked(address):
            return self._page(request, "login.html", error=msg.WEB_TOO_MANY_TRIES, next=target)
        if not self.wb.config.password or not sec.same(str(form.get("password") or ""), self.wb.config.password):
            self.wb.login_limit.hit(address)
            return self._page(request, "login.html", error=msg.WEB_BAD_PASSWORD, next=target)
        session = self.wb.sessions.renew(request.scope["govxl.session"])
        session.office = True
        response = RedirectResponse(target, 303)
        response.headers.append("set-cookie", request.scope["govxl.new_cookie"](session))
        return response

    async def logout(self, request: Request, form):
        self.wb.sessions.drop(request.scope["govxl.session"])
        return RedirectResponse("/login", 303)

    async def switch_year(self, request: Request):
        try:
            year = api.check_year(int(request.query_params.get("year", "")))
        except (ValueError, InvalidArgument):
            year = self.wb.config.year
        step = request.query_params.get("step", "")
        step = step if step in dict(STEPS) else ""
        return RedirectResponse(f"/{year}/{step}", 303)

    # --- 年度总览 ------------------------------------------------------------------------------------

    async def overview(self, request: Request):
        year = _year(request)

        def work():
            status = api.status(self.store, year)
            deadline = api.deadline(self.store, year)
            return status, deadline, len(self.store.roster())

        status, deadline, roster = await self._sync(work)
        return self._page(request, "overview.html", year=year, status=status, deadline=deadline,
                          days=(deadline - dt.date.today()).days, roster_count=roster,
                          jobs=[j for j in self.wb.jobs.recent(year=year) if j.kind in ("collect", "generate", "compose", "import")][:5])

    # --- 名单 ----------------------------------------------------------------------------------------

    async def roster(self, request: Request, *, problems=None, notice=None, status_code=200):
        year = _year(request)
        agencies = await self._sync(lambda: self.store.roster())
        return self.wb.page(request, "roster.html", status_code, year=year, agencies=agencies,
                            problems=problems, notice=notice, edit=request.query_params.get("edit"))

    async def roster_upload(self, request: Request, form):
        files = uploads(form, "roster")
        if not files:
            return await self.roster(request, problems=[msg.UPLOAD_NOTHING], status_code=400)
        data = await files[0].read(api.UploadLimits().file + 1)
        if len(data) > api.UploadLimits().file:
            return await self.roster(request, problems=[msg.UPLOAD_FILE_TOO_LARGE.format(
                name="名单", size="> 20 MB", limit="20 MB")], status_code=413)

        def work():
            from govxl.roster import parse_roster

            return api.set_roster(self.store, parse_roster(data))

        try:
            agencies = await self._sync(work)
        except RosterError as e:
            return await self.roster(request, problems=e.problems, status_code=400)
        return await self.roster(request, notice=msg.WEB_ROSTER_SAVED.format(n=len(agencies)))

    async def roster_save(self, request: Request, form):
        fields = {k: str(form.get(k) or "") for k in ("name", "group", "contact", "phone")}
        code = str(form.get("code") or "").strip()
        add = form.get("add") == "1"
        try:
            agencies = await self._sync(lambda: api.update_agency(self.store, code, add=add, **fields))
        except RosterError as e:
            return await self.roster(request, problems=e.problems, status_code=400)
        except GovxlError as e:
            return await self.roster(request, problems=[str(e)], status_code=400)
        return await self.roster(request, notice=msg.WEB_ROSTER_SAVED.format(n=len(agencies)))

    async def roster_remove(self, request: Request, form):
        code = str(form.get("code") or "")
        try:
            agencies = await self._api(api.remove_agency, code)
        except GovxlError as e:
            return await self.roster(request, problems=[str(e)], status_code=400)
        return await self.roster(request, notice=msg.WEB_ROSTER_SAVED.format(n=len(agencies)))

    async def roster_csv(self, request: Request):
        year = _year(request)
        data = await self._api(api.roster_csv)
        return download_bytes(data, f"{year}年单位名单.csv", "text/csv; charset=utf-8")

    # --- 下发 ----------------------------------------------------------------------------------------

    async def generate_page(self, request: Request):
        year = _year(request)

        def work():
            return self.store.roster(), api.deadline(self.store, year)

        agencies, deadline = await self._sync(work)
        return self._page(request, "generate.html", year=year, agencies=agencies, deadline=deadline,
                          share_url=self.wb.config.base_url if self.wb.config.share else "",
                          jobs=self.wb.jobs.recent("generate", year)[:3], error=None)

    async def generate(self, request: Request, form):
        year = _year(request)
        deadline_text = str(form.get("deadline") or "").strip()
        upload_url = str(form.get("upload_url") or "").strip() if self.wb.config.share else ""
        try:
            deadline = dt.date.fromisoformat(deadline_text) if deadline_text else None
        except ValueError:
            return self.wb.message(request, "截止日期不正确", msg.BAD_DEADLINE.format(value=deadline_text), 400,
                                   back=f"/{year}/generate")
        if upload_url and not upload_url.startswith(("http://", "https://")):
            upload_url = "http://" + upload_url
        job = self.wb.new_job("generate", f"生成{year}年度填报表", year)

        def work(job: Job):
            from govxl.store import Store

            with Store(self.wb.config.db) as store:
                agencies = store.roster()
                if not agencies:
                    raise InvalidArgument(msg.COLLECT_NO_ROSTER.split("。")[0] + "。请先在“名单”页上传单位名单。")
                job.total = len(agencies)
                out = job.folder / f"{year}年填报表"
                result = api.generate(store, year, out, roster=agencies, deadline=deadline,
                                      upload_url=upload_url or None, progress=lambda _p: job.progress(job.done + 1, job.total))
                archive = api.zip_files(result.paths, job.folder / f"{year}年各单位填报表.zip")
                job.output(archive.name, archive)
                return result

        self.wb.jobs.start(job, work, describe)
        return RedirectResponse(f"/jobs/{job.id}", 303)

    async def one_workbook(self, request: Request):
        year = _year(request)
        code = request.path_params["code"]
        folder = self.wb.jobs.scratch()

        def work():
            upload_url = self.wb.config.base_url if self.wb.config.share else None
            return api.generate(self.store, year, folder, codes=[code], deadline=api.deadline(self.store, year),
                                upload_url=upload_url)

        try:
            result = await self._sync(work)
        except GovxlError as e:
            return self.wb.message(request, "无法生成", str(e), 404)
        return download(result.paths[0], result.paths[0].name, XLSX)

    async def blank_workbook(self, request: Request):
        year = _year(request)
        folder = self.wb.jobs.scratch()
        result = await self._sync(lambda: api.generate(None, year, folder, blank=True))
        return download(result.paths[0], result.paths[0].name, XLSX)

    # --- 收集 ----------------------------------------------------------------------------------------

    async def collect_page(self, request: Request):
        year = _year(request)
        return self._page(request, "collect.html", year=year, jobs=self.wb.jobs.recent("collect", year)[:10],
                          limits=self.wb.config.limits, error=None)

    async def collect(self, request: Request, form):
        year = _year(request)
        files = uploads(form)
        job = self.wb.new_job("collect", f"收集{year}年度报回文件", year)
        try:
            intake = await self._sync(take_uploads, files, job.folder / "上传", self.wb.config.limits)
        except api.UploadRefused as e:
            return self._page(request, "collect.html", year=year, jobs=self.wb.jobs.recent("collect", year)[:10],
                              limits=self.wb.config.limits, error=str(e), status_code=413)
        job.total = len(intake.paths)
        blank_as_zero = form.get("blank_as_zero") == "1"

        def work(job: Job):
            from govxl.store import Store

            with Store(self.wb.config.db) as store:
                result = api.collect(store, year, [intake.folder], root=intake.folder, report=job.folder / "反馈",
                                     blank_as_zero=blank_as_zero, progress=job.progress)
                feedback = [p for p in result.report_files if p.name != "问题清单.xlsx"]
                for p in result.report_files[:1]:
                    job.output(p.name, p)
                if feedback:
                    archive = api.zip_files(feedback, job.folder / "退回修改表.zip")
                    job.output(f"退回修改表（{len(feedback)}个单位）.zip", archive)
                return result

        self.wb.jobs.start(job, work, describe)
        return RedirectResponse(f"/jobs/{job.id}", 303)

    async def issues(self, request: Request):
        year = _year(request)
        folder = self.wb.jobs.scratch()
        path = await self._api(api.issue_list, year, folder / "问题清单.xlsx")
        return download(path, f"{year}年问题清单.xlsx", XLSX)

    # --- 单位 ----------------------------------------------------------------------------------------

    async def agency(self, request: Request):
        year = _year(request)
        code = request.path_params["code"]
        try:
            history = await self._api(api.agency_history, year, code)
        except GovxlError as e:
            return self.wb.message(request, "找不到单位", str(e), 404)
        return self._page(request, "agency.html", year=year, history=history,
                          notice=request.query_params.get("notice"))

    async def pin(self, request: Request, form):
        """The office chooses the version in use (采用此版本)."""
        year = _year(request)
        code = request.path_params["code"]
        version = str(form.get("version") or "")
        back = f"/{year}/agency/{urllib.parse.quote(code)}"
        if not version.isdigit():
            return self.wb.message(request, "请求不正确", msg.WEB_BAD_REQUEST, 400, back=back)

        def work():
            chosen = api.pin(self.store, year, code, int(version))
            return chosen, api.agency_history(self.store, year, code).agency

        try:
            chosen, agency = await self._sync(work)
        except GovxlError as e:
            return self.wb.message(request, "未能指定采用的版本", str(e), 400, back=back)
        notice = msg.PINNED.format(agency=agency.name, year=year, version=chosen.version,
                                   file=chosen.original_name or chosen.source)
        return RedirectResponse(back + "?" + urllib.parse.urlencode({"notice": notice}), 303)

    async def unpin(self, request: Request, form):
        """Back to the rule: the newest accepted version is used."""
        year = _year(request)
        code = request.path_params["code"]
        back = f"/{year}/agency/{urllib.parse.quote(code)}"

        def work():
            history = api.agency_history(self.store, year, code)
            changed = api.unpin(self.store, year, code)
            return changed, api.agency_history(self.store, year, code), history.agency

        try:
            changed, history, agency = await self._sync(work)
        except GovxlError as e:
            return self.wb.message(request, "未能取消指定", str(e), 400, back=back)
        text = msg.UNPINNED if changed else msg.NOT_PINNED
        notice = text.format(agency=agency.name, year=year, version=history.status.accepted_version or "—")
        return RedirectResponse(back + "?" + urllib.parse.urlencode({"notice": notice}), 303)

    async def original(self, request: Request):
        year = _year(request)
        try:
            name, data = await self._api(api.original_file, year, request.path_params["code"],
                                          request.path_params["version"])
        except GovxlError as e:
            return self.wb.message(request, "找不到文件", str(e), 404)
        return download_bytes(data, name)

    async def feedback(self, request: Request):
        year = _year(request)
        code = request.path_params["code"]
        version = request.query_params.get("version")
        folder = self.wb.jobs.scratch()
        try:
            path = await self._sync(lambda: api.feedback(self.store, year, code, folder,
                                                         version=int(version) if version and version.isdigit() else None))
        except GovxlError as e:
            return self.wb.message(request, "无法生成退回修改表", str(e), 404)
        if path is None:
            return self.wb.message(request, "无需退回修改", msg.WEB_NO_FEEDBACK, 404, back=f"/{year}/agency/{code}")
        return download(path, path.name, XLSX)

    # --- 进度 ----------------------------------------------------------------------------------------

    async def progress(self, request: Request):
        year = _year(request)

        def work():
            status = api.status(self.store, year)
            return status, api.reminders(self.store, year, status=status), api.deadline(self.store, year)

        status, reminders, deadline = await self._sync(work)
        return self._page(request, "progress.html", year=year, status=status, reminders=reminders, deadline=deadline)

    async def reminders_csv(self, request: Request):
        year = _year(request)
        reminders = await self._api(api.reminders, year)
        return download_bytes(reminders.csv(), f"{year}年催报清单.csv", "text/csv; charset=utf-8")

    # --- 汇总 ----------------------------------------------------------------------------------------

    def _district(self) -> tuple[str, str]:
        return (self.store.setting("district.name") or "全区汇总", self.store.setting("district.code") or "district")

    async def summary(self, request: Request):
        year = _year(request)

        def work():
            name, code = self._district()
            merged = api.merge(self.store, year)
            view = api.district_view(self.store, year, name=name)
            return name, code, merged, view

        name, code, merged, view = await self._sync(work)
        return self._page(request, "summary.html", year=year, name=name, code=code, merged=merged, view=view,
                          export_formats=EXPORT_FORMATS)

    async def summary_name(self, request: Request, form):
        year = _year(request)
        name = str(form.get("name") or "").strip()[:60]
        code = str(form.get("code") or "").strip()[:30]

        def work():
            if name:
                self.store.set_setting("district.name", name)
            if code:
                self.store.set_setting("district.code", code)

        await self._sync(work)
        return RedirectResponse(f"/{year}/summary", 303)

    async def summary_xlsx(self, request: Request):
        year = _year(request)
        folder = self.wb.jobs.scratch()

        def work():
            name, code = self._district()
            return api.merge(self.store, year, out=folder / f"{year}年{name}汇总表.xlsx", code=code, name=name)

        try:
            merged = await self._sync(work)
        except GovxlError as e:
            return self.wb.message(request, "无法生成汇总表", str(e), 400)
        return download(merged.summary_path, merged.summary_path.name, XLSX)

    async def export(self, request: Request):
        year = _year(request)
        fmt = request.path_params["fmt"]
        if fmt not in EXPORT_FORMATS:
            return self.wb.message(request, "格式不正确", msg.BAD_FORMAT.format(value=fmt, choices="、".join(EXPORT_FORMATS)),
                                   404)
        folder = self.wb.jobs.scratch()
        result = await self._sync(lambda: api.export(self.store, year, folder / f"{year}年数据.{fmt}", format=fmt))
        return download(result.path, result.path.name)

    # --- 报告 ----------------------------------------------------------------------------------------

    async def reports_page(self, request: Request):
        year = _year(request)

        def work():
            return api.status(self.store, year), self._district()[0]

        status, name = await self._sync(work)
        return self._page(request, "reports.html", year=year, status=status, name=name, formats=REPORT_FORMATS,
                          jobs=self.wb.jobs.recent("compose", year)[:10])

    async def reports(self, request: Request, form):
        year = _year(request)
        kind = str(form.get("kind") or "district")
        fmt = str(form.get("format") or "html")
        code = str(form.get("agency") or "")
        if kind not in ("district", "agency", "all") or fmt not in REPORT_FORMATS:
            return self.wb.message(request, "请求不正确", msg.WEB_BAD_REQUEST, 400)
        title = {"district": "全区年度报告", "agency": f"单位年度报告（{code}）", "all": "全部单位的年度报告"}[kind]
        job = self.wb.new_job("compose", f"生成{year}年{title}", year)

        def work(job: Job):
            from govxl.store import Store

            with Store(self.wb.config.db) as store:
                name = store.setting("district.name") or "全区汇总"
                job.total = 0 if kind == "all" else 1  # all: the count is known once the reports start
                if kind == "district":
                    out = job.folder / f"{year}年{name}政府信息公开工作年度报告.{fmt}"
                    result = api.compose(store, year, out, format=fmt, district=True, name=name)
                elif kind == "agency":
                    agency = next((a for a in store.roster() if a.code == code), None)
                    if agency is None:
                        raise InvalidArgument(msg.NO_SUCH_AGENCY.format(code=code))
                    out = job.folder / f"{year}年{agency.name}政府信息公开工作年度报告.{fmt}"
                    result = api.compose(store, year, out, format=fmt, agency=code)
                else:
                    result = api.compose(store, year, job.folder / "reports", format=fmt, all_agencies=True,
                                         progress=job.progress)
                if kind != "all":
                    job.progress(1, 1)
                if kind == "all":
                    archive = api.zip_files(result.paths, job.folder / f"{year}年各单位年度报告（{len(result.paths)}份）.zip")
                    job.output(archive.name, archive)
                else:
                    job.output(result.paths[0].name, result.paths[0])
                    if fmt != "html":  # the preview is the same report as a web page
                        preview = api.compose(store, year, job.folder / "preview.html", format="html",
                                              **({"district": True, "name": name} if kind == "district" else
                                                 {"agency": code}))
                        job.info["preview"] = preview.paths[0]
                    else:
                        job.info["preview"] = result.paths[0]
                return result

        self.wb.jobs.start(job, work, describe)
        return RedirectResponse(f"/jobs/{job.id}", 303)

    # --- 往年报告 ------------------------------------------------------------------------------------

    async def import_page(self, request: Request):
        year = _year(request)
        return self._page(request, "published.html", year=year, jobs=self.wb.jobs.recent("import")[:10], error=None)

    async def import_reports(self, request: Request, form):
        year = _year(request)
        files = uploads(form)
        job = self.wb.new_job("import", "导入往年报告", year)
        try:
            intake = await self._sync(take_uploads, files, job.folder / "上传", api.UploadLimits(count=50))
        except api.UploadRefused as e:
            return self._page(request, "published.html", year=year, jobs=self.wb.jobs.recent("import")[:10],
                              error=str(e), status_code=413)
        job.total = len(intake.paths)

        def work(job: Job):
            from govxl.store import Store

            with Store(self.wb.config.db) as store:
                batch = api.import_reports(store, intake.paths, progress=job.progress)
            for item in batch.files:  # the upload folder means nothing to the office: the file's name
                item.file = Path(item.file).name
                if item.result is not None:
                    item.result.source = Path(item.result.source).name
            return batch

        self.wb.jobs.start(job, work, describe)
        return RedirectResponse(f"/jobs/{job.id}", 303)

    # --- 单位链接 ------------------------------------------------------------------------------------

    async def links(self, request: Request):
        year = _year(request)
        links = await self._sync(lambda: api.agency_links(self.store, issue=self.wb.config.share))
        return self._page(request, "links.html", year=year, links=links, base=self.wb.config.base_url,
                          notice=request.query_params.get("notice"))

    async def link_reissue(self, request: Request, form):
        year = _year(request)
        try:
            link = await self._api(api.reissue_link, str(form.get("code") or ""))
        except GovxlError as e:
            return self.wb.message(request, "未能执行", str(e), 400)
        notice = msg.WEB_LINK_REISSUED.format(name=link.agency.name)
        return RedirectResponse(f"/{year}/links?" + urllib.parse.urlencode({"notice": notice}), 303)

    async def link_revoke(self, request: Request, form):
        year = _year(request)
        code = str(form.get("code") or "")
        agency = next((a for a in await self._sync(lambda: self.store.roster()) if a.code == code), None)
        await self._api(api.revoke_link, code)
        notice = msg.WEB_LINK_REVOKED.format(name=agency.name if agency else code)
        return RedirectResponse(f"/{year}/links?" + urllib.parse.urlencode({"notice": notice}), 303)

    # --- jobs ----------------------------------------------------------------------------------------

    def _job(self, request: Request) -> Job | None:
        return self.wb.jobs.get(request.path_params["job"])

    async def job(self, request: Request):
        job = self._job(request)
        if job is None:
            return self.wb.message(request, "结果已清理", msg.WEB_JOB_GONE, 404)
        return self._page(request, "job.html", year=job.year, job=job)

    async def job_json(self, request: Request):
        job = self._job(request)
        if job is None:
            return JSONResponse({"ok": False, "error": msg.WEB_JOB_GONE}, 404)
        return JSONResponse(job.as_dict())

    async def job_file(self, request: Request):
        job = self._job(request)
        n = request.path_params["n"]
        if job is None or not 0 <= n < len(job.outputs):
            return self.wb.message(request, "结果已清理", msg.WEB_JOB_GONE, 404)
        name, path = job.outputs[n]
        return download(path, name)

    async def job_preview(self, request: Request):
        job = self._job(request)
        if job is None or "preview" not in job.info:
            return self.wb.message(request, "结果已清理", msg.WEB_JOB_GONE, 404)
        return FileResponse(job.info["preview"], media_type="text/html; charset=utf-8",
                            headers={"cache-control": "no-store"})

    # --- JSON API ------------------------------------------------------------------------------------

    async def health(self, request: Request):
        return JSONResponse({"ok": True})

    async def api_status(self, request: Request):
        year = _year(request)
        result = await self._api(api.status, year)
        return JSONResponse(result.as_dict())

    async def api_merge(self, request: Request):
        year = _year(request)
        result = await self._api(api.merge, year)
        return JSONResponse(result.as_dict())

    async def api_agency(self, request: Request):
        year = _year(request)
        try:
            result = await self._api(api.agency_history, year, request.path_params["code"])
        except GovxlError as e:
            return JSONResponse({"ok": False, "error": str(e)}, 404)
        return JSONResponse(result.as_dict())

    async def api_collect(self, request: Request, form):
        year = _year(request)
        job = self.wb.new_job("api", "collect", year)
        folder = job.folder / "上传"

        def work():
            intake = take_uploads(uploads(form), folder, self.wb.config.limits)
            return api.collect(self.store, year, [intake.folder], root=intake.folder)

        try:
            result = await self._sync(work)
        except GovxlError as e:
            return JSONResponse({"ok": False, "error": describe(e)}, 413 if isinstance(e, api.UploadRefused) else 400)
        return JSONResponse(result.as_dict())

    # --- an agency's own link ------------------------------------------------------------------------

    async def agency_link(self, request: Request, *, result=None, checked=None, error=None, status_code=200):
        """The agency's own page: its status, the upload form; ``checked``: files checked and
        waiting to be submitted; ``result``: files just submitted (collected)."""
        agency = await self._sync(_link_agency, self.wb, request)
        if isinstance(agency, Response):
            return agency
        year = self.wb.config.year
        history = await self._api(api.agency_history, year, agency.code)
        return self.wb.page(request, "agency_link.html", status_code, year=year, agency=agency, history=history,
                            token=request.path_params["token"], result=result, checked=checked, error=error,
                            deadline=await self._api(api.deadline, year))

    def _upload_allowed(self, token: str) -> bool:
        if self.wb.upload_limit.blocked(token):
            return False
        self.wb.upload_limit.hit(token)
        return True

    async def agency_upload(self, request: Request, form):
        """Step 1: the agency's files are checked, not kept; they wait (under an unguessable id tied
        to this link) for the agency to submit them."""
        agency = request.scope["govxl.agency"]
        token = request.path_params["token"]
        if not self._upload_allowed(token):
            return await self.agency_link(request, error=msg.WEB_TOO_MANY_TRIES, status_code=429)
        year = self.wb.config.year
        checked = self.wb.checks.new(token, agency.code)
        limits = self.wb.config.agency_limits

        def work():
            intake = take_uploads(uploads(form), checked.uploads, limits)
            return api.check(self.store, year, [intake.folder], root=intake.folder, agency=agency.code,
                             feedback=checked.folder / "反馈")

        try:
            checked.report = await self._sync(work)
        except GovxlError as e:
            self.wb.checks.discard(checked)
            return await self.agency_link(request, error=describe(e),
                                          status_code=413 if isinstance(e, api.UploadRefused) else 400)
        return RedirectResponse(f"/a/{token}/checked/{checked.id}", 303)

    def _checked(self, request: Request, agency) -> object:
        return self.wb.checks.get(request.path_params["check"], request.path_params["token"], agency.code)

    async def agency_checked(self, request: Request):
        """The result of step 1, with the 报送 button when the files may be submitted."""
        agency = await self._sync(_link_agency, self.wb, request)
        if isinstance(agency, Response):
            return agency
        checked = self._checked(request, agency)
        if checked is None:
            return await self.agency_link(request, error=_check_gone(), status_code=404)
        return await self.agency_link(request, checked=checked)

    async def agency_checked_feedback(self, request: Request):
        """The 退回修改表 of a file checked and not submitted."""
        agency = await self._sync(_link_agency, self.wb, request)
        if isinstance(agency, Response):
            return agency
        checked = self._checked(request, agency)
        n = request.path_params["n"]
        if checked is None or not 0 <= n < len(checked.report.files) or checked.report.files[n].feedback is None:
            return await self.agency_link(request, error=_check_gone(), status_code=404)
        path = checked.report.files[n].feedback
        return download(path, path.name, XLSX)

    async def agency_submit(self, request: Request, form):
        """Step 2: the files checked are collected, the very bytes the agency saw checked."""
        agency = request.scope["govxl.agency"]
        token = request.path_params["token"]
        if not self._upload_allowed(token):
            return await self.agency_link(request, error=msg.WEB_TOO_MANY_TRIES, status_code=429)
        checked = self.wb.checks.claim(str(form.get("check") or ""), token, agency.code)
        if checked is None:
            return await self.agency_link(request, error=_check_gone(), status_code=404)
        if not checked.report.submittable:
            self.wb.checks.release(checked, done=False)
            return await self.agency_link(request, checked=checked, error=msg.WEB_CHECK_NOT_SUBMITTABLE,
                                          status_code=400)
        year = self.wb.config.year
        try:
            result = await self._sync(lambda: api.collect(self.store, year, [checked.uploads], root=checked.uploads,
                                                          agency=agency.code))
        except GovxlError as e:
            self.wb.checks.release(checked, done=False)
            return await self.agency_link(request, checked=checked, error=describe(e), status_code=500)
        self.wb.checks.release(checked, done=result.error is None)
        return await self.agency_link(request, result=result, error=result.error)

    async def agency_feedback(self, request: Request):
        found = await self._sync(_link_agency, self.wb, request)
        if isinstance(found, Response):
            return found
        year = self.wb.config.year
        folder = self.wb.jobs.scratch()
        path = await self._sync(lambda: api.feedback(self.store, year, found.code, folder))
        if path is None:
            return self.wb.message(request, "无需退回修改", msg.WEB_NO_FEEDBACK, 404,
                                   back=f"/a/{request.path_params['token']}")
        return download(path, path.name, XLSX)


def _safe_next(target) -> str:
    """Where to go after logging in: a path of this site only (no open redirect)."""
    target = str(target or "/")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
