"""Every message govxl shows a user outside the workbook and the form spec, in Chinese.

Kept in one place so that wording is consistent and reviewable; code refers to these names.
"""

import errno as _errno

# Roster (单位名单) problems. {line} is the 1-based line of the CSV file.
ROSTER_UNREADABLE = "无法读取名单文件：{error}"
ROSTER_EMPTY = "名单文件为空：第一行应为列名（code,name,group），其后每行一个单位。"
ROSTER_BAD_BYTES = "第{line}行含有无法识别的字符。请在 Excel 中将名单“另存为”“CSV UTF-8（逗号分隔）”后重试。"
ROSTER_MISSING_COLUMN = "名单缺少“{column}”列（{meaning}）。第一行应为列名，例如：code,name,group。"
ROSTER_DUPLICATE_HEADER = "名单第一行的列名“{column}”出现了两次。"
ROSTER_EMPTY_CODE = "第{line}行：单位代码为空。"
ROSTER_EMPTY_NAME = "第{line}行：单位名称为空（单位代码{code}）。"
ROSTER_DUPLICATE_CODE = "第{line}行：单位代码“{code}”与第{first}行重复，每个单位的代码必须唯一。"
ROSTER_DUPLICATE_NAME = "第{line}行：单位名称“{name}”与第{first}行重复。"
ROSTER_BAD_TEXT = "第{line}行：{meaning}“{value}”含有换行或控制字符。"
ROSTER_TOO_LONG = "第{line}行：{meaning}过长（{length}字），不能超过{limit}字。"
ROSTER_NO_AGENCIES = "名单中没有任何单位。"
ROSTER_FILE_CLASH = "第{line}行与第{first}行生成的文件名相同（{file}），请修改其中一个单位的代码。"
ROSTER_HEADER_MEANINGS = {"code": "单位代码", "name": "单位名称", "group": "单位类别"}

# Command line.
BAD_YEAR = "年度“{year}”不正确，应为 2000 到 2100 之间的四位数字年份，例如 2025。"
BAD_DEADLINE = "截止日期“{value}”不正确，请写成 2026-01-15 这样的格式。"
NEED_ROSTER_OR_BLANK = "请用 --roster 指定单位名单，或用 --blank 生成空白模板。"
ROSTER_AND_BLANK = "--roster 与 --blank 只能选择其一。"
ROSTER_ERRORS = "单位名单有{n}处问题，未生成任何文件："
GENERATED = "已生成{n}个填报表，保存在 {out}"
GENERATED_BLANK = "已生成空白模板：{path}"
CANNOT_WRITE = "无法写入 {path}：{error}"

# Received files (collect). {name} is the file's name as received.
FILE_KINDS = {
    b"%PDF": "PDF 文件", b"\x89PNG": "PNG 图片", b"\xff\xd8\xff": "JPEG 图片", b"PK": "压缩包或其他 Office 文件",
    b"{\\rtf": "RTF 文档", b"Rar!": "RAR 压缩包", b"7z\xbc\xaf": "7z 压缩包",
}
FILE_KIND_WORD = "Word 文档"
FILE_KIND_TEXT = "文本文件"
FILE_KIND_UNKNOWN = "未知格式"
SPECIAL_FILE_KINDS = {"fifo": "命名管道", "socket": "套接字", "device": "设备文件", "other": "特殊文件"}



VALUE_WHERE = "“{sheet}”工作表 {cell} 单元格（{row}，{column}）"


COLLECT_NO_ROSTER = "数据库中还没有单位名单。请先运行 govxl generate（会记录名单），或在 collect 时用 --roster 指定名单文件。"
COLLECT_NO_PATH = "找不到文件或文件夹：{path}"
COLLECT_DONE = ("共收到{n}个文件：通过{accepted}个，通过但有警告{warned}个，未通过{rejected}个，重复{duplicate}个，"
                "较旧或未采用的版本{superseded}个。")
STORE_ERRORS = {
    "damaged": "数据库文件 {path} 已损坏（{detail}），无法使用。请不要再向其中收集文件：把它改名保留以便检查，"
               "再把最近一次 govxl backup 备份的副本复制为 {path} 后重试；没有备份时请联系系统维护人员。",
    "full": "数据库文件 {path} 所在的磁盘空间已满，未能保存（{detail}）。此前已保存的内容不受影响；请清理磁盘空间后重新运行。",
    "readonly": "无法写入数据库文件 {path}：文件或所在的文件夹是只读的，或没有写入权限（{detail}）。",
    "readonly_open": "数据库文件 {path} 是以只读方式打开的，不能写入。",
    "busy": "数据库文件 {path} 正被其他程序长时间占用（{detail}），请稍后重试。",
    "io": "读写数据库文件 {path} 时出错（{detail}），磁盘或网络可能有故障。请检查后重试。",
    "foreign": "{path} 是其他程序的数据库文件，不是 govxl 的数据库；govxl 没有改动它。请用 --db 指定 govxl 的数据库文件。",
    "foreign_file": "{path} 不是数据库文件；govxl 没有改动它。请用 --db 指定 govxl 的数据库文件。",
    "other": "无法使用数据库文件 {path}（{detail}）。",
}
BACKED_UP = "已把数据库 {db} 备份到 {out}（{files}个收到的文件，{submissions}个版本）。"
PIN_NO_VERSION = "单位“{agency}”{year}年度没有第{version}版本。可用 govxl status --year {year} 查看各版本。"
PIN_REJECTED = "单位“{agency}”{year}年度的第{version}版本未通过校验，不能指定采用。"
PINNED = "已指定：单位“{agency}”{year}年度采用第{version}版本（{file}），不再按保存时间自动选择。"
UNPINNED = "已取消指定：单位“{agency}”{year}年度重新按规则采用最近保存的通过版本（现为第{version}版本）。"
NOT_PINNED = "单位“{agency}”{year}年度没有指定采用的版本，仍按规则采用最近保存的通过版本。"
STATUS_OTHER_YEAR = "给出的报送情况是{year}年度的，不是{expected}年度的。"
PIN_NEEDS_VERSION = "请用 --version 指定要采用的版本号，或用 --unpin 取消指定。"
VERSION_REASONS = {
    "pinned": "办公室指定采用",
    "newest": "最近保存的版本",
    "newest_accepted": "最近保存的通过版本（更新的版本未通过）",
    "imported": "导入的已发布报告（没有通过的填报表）",
}
COLLECT_UNFINISHED = "有{n}个文件未能保存，解决问题后重新运行同一命令即可（已保存的文件不会重复处理）。"
CHECK_TITLE = "{year}年度校验结果（未保存）"
CHECK_DONE = ("共校验{n}个文件：通过{accepted}个，通过但有警告{warned}个，未通过{rejected}个，"
              "以前已收到过的{duplicate}个。")
CHECK_NOT_KEPT = "以上只是校验，文件没有保存到数据库。确认无误后，用 govxl collect 收集同样的文件即完成报送。"
CHECK_FEEDBACK_WRITTEN = "退回修改表已保存在 {path}"
COLLECT_REPORT_WRITTEN = "问题清单和反馈表已保存在 {path}"
ISSUE_LIST_TITLE = "{year}年度收集问题清单"
ISSUE_SHEET_ALL = "全部问题"
ISSUE_SHEET_AGENCY = "按单位"
ISSUE_SHEET_FILES = "按文件"
ISSUE_AGENCY_HEADING = "{name}{code}　文件：{file}　状态：{status}"
ISSUE_UNKNOWN_AGENCY = "未能识别的单位"
ISSUE_GUESSED_AGENCY = "（按文件名推测：{name}）"
FEEDBACK_REJECTED = "本表为退回修改表：原文件“{file}”未通过校验，有{errors}处错误{warnings}。您填写的数字和文字已按行、列名称移入本表，请按以下说明修改后重新报送。"
FEEDBACK_AND_WARNINGS = "、{n}处提醒"
FEEDBACK_WARNINGS = "原文件“{file}”已通过校验，无需重新报送；有{warnings}处提醒，请留意以下各点。如需修改，可在本表中修改后重新报送。"
FEEDBACK_COMMENTS = "其中{n}个单元格已标红并加批注（鼠标移到单元格右上角的红色三角上可查看）。"
FEEDBACK_UNPLACED = "原文件“{sheet}”工作表 {cell} 单元格中的“{value}”对应不到本表的行和列，未移入本表，请核对后补填。"
CANNOT_OPEN_DB = "无法打开数据库 {path}：文件不是 govxl 数据库，或已损坏、被占用（{error}）。"
PREFILLED = "其中{n}个单位的“上年结转”已按上一年度数据预先填写。"
MERGED = "已汇总{n}个单位的数据，汇总表保存在 {path}"
MERGE_MISSING = "未报送（未汇总）：{names}"
MERGE_REJECTED = "未通过校验（未汇总）：{names}"
BAD_FORMAT = "格式“{value}”不正确，只能是 {choices}。"
EXPORTED = "已导出{n}个单位的数据：{path}"
COMPOSE_ONE_KIND = "请在 --agency 单位代码、--district、--all 中选择一个。"
COMPOSE_NO_SUBMISSION = "单位“{code}”在{year}年度没有通过审核的报告数据。"
BAD_ANNEX = "附件“{value}”不正确，只能是{choices}（texts：各单位文字材料汇编；status：各单位报送情况）。"
COMPOSED = "已生成{n}份年度报告：{path}"
COMPOSE_DRAFT_DISAGREES = "注意：起草的文字有{n}处与汇总表不一致（报告已生成，请核对措辞模板 templates/reports/_district.j2 或数据）："
NO_DB = "找不到数据库 {path}。请用 --db 指定收集时使用的数据库文件，或在该数据库所在的文件夹中运行。"

# Importing published reports.
CANNOT_READ = "无法读取 {path}：{error}"
IMPORTED = "{file}：{agency} {year}年度报告（{edition}年版表格），未读取{unread}处，发现{findings}个问题。"
IMPORT_SAVED = "  已保存为该单位该年度的数据（来源：导入）。"
IMPORT_NOT_SAVED = "  未保存：已经导入过，或机关不在单位名单中（可用 --agency 指定单位代码），或没有数据库。"
USAGE_HINT = "运行 govxl --help 或 govxl 命令 --help 查看用法。"
USAGE_MISSING = "缺少必填的 {option}。"
USAGE_NO_OPTION = "没有 {option} 这个选项。"
USAGE_BAD_VALUE = "{option} 的值不正确。"
USAGE_NO_COMMAND = "没有“{command}”这个命令。可用的命令：serve、generate、collect、status、pin、merge、export、compose、import、backup、demo。"
USAGE_OTHER = "用法有误（{detail}）。"
ABORTED = "已中止。"
INTERNAL_ERROR = "govxl 内部错误，操作未完成：{error}。请把这条信息发给系统维护人员。"

# Operating-system errors, in words a clerk understands, by errno name (the numbers differ between
# systems; Windows errors reach Python with these errno values, a file open in Excel is EACCES).
_OS_ERROR_NAMES = {
    "EPERM": "操作不被允许", "ENOENT": "文件或文件夹不存在", "EIO": "读写磁盘时出错（磁盘或网络可能有故障）",
    "ENXIO": "设备不存在或未连接", "EAGAIN": "资源暂时不可用，请稍后再试", "ENOMEM": "内存不足",
    "EACCES": "没有权限（文件可能正在 Excel 或 WPS 中打开，或文件夹不允许读写）", "EBUSY": "文件或设备正被占用",
    "EEXIST": "文件已存在", "EXDEV": "不能跨磁盘移动文件", "ENODEV": "设备不支持此操作",
    "ENOTDIR": "路径中有一部分不是文件夹", "EISDIR": "这是一个文件夹", "EINVAL": "参数无效（文件名或路径可能不正确）",
    "ENFILE": "系统打开的文件过多", "EMFILE": "打开的文件过多", "ETXTBSY": "文件正被其他程序使用", "EFBIG": "文件过大",
    "ENOSPC": "磁盘空间已满", "EROFS": "磁盘是只读的", "EMLINK": "链接过多", "EPIPE": "连接已断开",
    "ENAMETOOLONG": "文件名太长", "ENOTEMPTY": "文件夹不是空的", "ELOOP": "链接层次过多（可能是循环链接）",
    "EOPNOTSUPP": "不支持此操作", "ENOTCONN": "网络连接已断开", "ETIMEDOUT": "连接超时",
    "EHOSTUNREACH": "网络主机不可达", "ESTALE": "网络文件已失效，请重新打开所在的文件夹", "EREMOTEIO": "网络读写出错",
    "EDQUOT": "磁盘配额已用完", "ECONNRESET": "网络连接被中断",
}
OS_ERRORS = {getattr(_errno, name): text for name, text in _OS_ERROR_NAMES.items() if hasattr(_errno, name)}
OS_ERROR_OTHER = "系统错误（错误代码{errno}）"
OS_ERROR_UNKNOWN = "系统错误"


def os_error(error: BaseException) -> str:
    """An operating-system error in words a clerk understands: never the English text of the system."""
    errno = getattr(error, "errno", None)
    if errno in OS_ERRORS:
        return OS_ERRORS[errno]
    if isinstance(errno, int):
        return OS_ERROR_OTHER.format(errno=errno)
    return OS_ERROR_UNKNOWN


BAD_FORM = "表样规格“{form}”不存在或有误：{error}"
IMPORT_UNREADABLE_FILE = "无法读取 {path}：不是文本、网页、Word（.docx）或 PDF 文件，或文件已损坏。"
IMPORT_BATCH_DONE = "共{files}个文件：读取{read}个，保存{saved}个，未能读取{failed}个。"
IMPORT_NO_FILES = "在 {path} 中没有找到可导入的报告文件（.txt、.md、.html、.docx、.pdf）。"

# The demo (govxl demo).
DEMO_NOT_A_FOLDER = "{path} 是一个文件，不是文件夹。请用 --out 指定示例的输出文件夹。"
DEMO_FOLDER_NOT_EMPTY = "文件夹 {path} 里已有其他文件。为免误删，示例只写入空文件夹或以前的示例文件夹，请用 --out 换一个文件夹。"
DEMO_GENERATED = "已为示例卫东区的{n}个单位生成填报表：{path}（另有空白模板）"
DEMO_SUBMITTED = "已模拟各单位填写并报回：第一批{first}个文件、第二批{second}个文件（{path}）"
DEMO_IMPORTED = "已导入{name}已发布的{year}年度报告，供核对上年结转"
DEMO_COLLECTED = "已收集{batch}，问题清单和退回修改表在 {path}"
DEMO_STATUS = "报送进度："
DEMO_COMPOSED = "已生成{n}份年度报告（Markdown、网页、Word）：{path}"
DEMO_DONE = "示例已完成，全部结果在 {path}"
NEED_STORE = "生成各单位填报表需要数据库（记录单位名单）。"


# Uploads (the workbench and the agencies' self-check links).
UPLOAD_TOO_MANY = "一次上传的文件太多（{n}个），每次最多{limit}个。请分几次上传。"
UPLOAD_TOO_LARGE = "上传的内容太大（{size}），每次最多 {limit}。请分几次上传。"
UPLOAD_FILE_TOO_LARGE = "文件“{name}”太大（{size}），每个文件最多 {limit}。填报表通常不到 1 MB，请确认是否选错了文件。"
UPLOAD_BAD_ZIP = "压缩包“{name}”已损坏或不是 .zip 格式，无法解压。请重新打包（右键“发送到”→“压缩(zipped)文件夹”）后上传。"
UPLOAD_ZIP_BOMB = "压缩包“{name}”解压后异常庞大，为安全起见未处理。请直接上传其中的填报表文件。"
UPLOAD_ZIP_ENCRYPTED = "压缩包“{name}”设置了密码，无法解压。请去掉密码后重新打包上传。"
UPLOAD_NOTHING = "没有收到任何文件。请选择或拖入要上传的文件。"
NO_SUCH_AGENCY = "单位代码“{code}”不在单位名单中。"
AGENCY_EXISTS = "单位代码“{code}”已在单位名单中。"
NO_SUCH_VERSION = "单位“{code}”在{year}年度没有第{version}版。"

# The workbench (govxl serve).
WEB_BAD_HOST = "请求的主机名不被接受。请用 govxl serve 启动时显示的地址打开工作台。"
WEB_BAD_REQUEST = "请求的格式不正确，请返回后重试。"
WEB_CSRF_FAILED = "页面已过期或请求来源不明（缺少安全校验码），操作未执行。请刷新页面后重试。"
WEB_LOGIN_NEEDED = "请先登录工作台。"
WEB_NOT_FOUND = "找不到这个页面。"
WEB_BAD_PASSWORD = "密码不正确。"
WEB_TOO_MANY_TRIES = "尝试次数过多，请 10 分钟后再试。"
WEB_LINK_INVALID = "这个网址无效或已停用。请向区政府办公室索取本单位最新的自查网址。"
WEB_NO_FEEDBACK = "本单位最近一次报送的文件没有需要修改的地方，无需退回修改表。"
WEB_NO_DATA = "{year}年度还没有通过校验的数据。"
WEB_JOB_GONE = "这项工作的结果已被清理（工作台只保留最近的 30 项工作），请重新执行。"
WEB_PUBLIC_NEEDS_PASSWORD = "在 {host} 上开放工作台会让局域网中的其他电脑也能访问，必须用 --password 设置登录密码。"
WEB_PLAIN_HTTP_WARNING = "注意：工作台使用普通 HTTP，密码和数据在局域网中不加密传输，请只在单位内网中使用。"
WEB_STARTED = "工作台已启动：{url}  （关闭此窗口或按 Ctrl+C 即停止）"
WEB_API_TOKEN = "程序调用 JSON 接口时可使用令牌：Authorization: Bearer {token}"
WEB_SHARE_URL = "各单位自查网址的开头：{url}/a/…（在“单位链接”页查看和发送）"
WEB_PORT_BUSY = "端口 {port} 已被占用（工作台可能已经在运行）。请在浏览器中打开 {url}，或用 --port 换一个端口。"
WEB_CHECK_GONE = "这次校验的结果已过期（保留{hours}小时）或已经报送。请重新上传填报表。"
WEB_CHECK_NOT_SUBMITTABLE = "有未通过校验的文件，不能报送。请按说明修改后重新上传。"
WEB_ROSTER_SAVED = "名单已保存，共{n}个单位。"
WEB_LINK_REVOKED = "已停用“{name}”的自查网址。"
WEB_LINK_REISSUED = "已为“{name}”生成新的自查网址，原网址已停用。"
