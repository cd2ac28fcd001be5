"""The workbench: the yearly cycle in a local web page (``govxl serve``), for clerks who never open
a terminal, and each agency's self-check link. Every page and every JSON answer calls the same
function of :mod:`govxl.api` as the command line and shows its result; no rule, check, label or
layout lives here. Pages are Jinja2 templates in ``templates/web/``; the few static files (CSS, a
small script) are in ``govxl/web/static``. Nothing is loaded from elsewhere."""
