"""Every message govxl shows a user outside the workbook and the form spec, in Chinese.

Kept in one place so that wording is consistent and reviewable; code refers to these names.
"""

# Roster (单位名单) problems. {line} is the 1-based line of the CSV file.
ROSTER_UNREADABLE = "无法读取名单文件：{error}"
ROSTER_EMPTY = "名单文件为空：第一行应为列名（code,name,group），其后每行一个单位。"
ROSTER_BAD_BYTES = "第 {line} 行含有无法识别的字符。请在 Excel 中将名单“另存为”“CSV UTF-8（逗号分隔）”后重试。"
ROSTER_MISSING_COLUMN = "名单缺少“{column}”列（{meaning}）。第一行应为列名，例如：code,name,group。"
ROSTER_DUPLICATE_HEADER = "名单第一行的列名“{column}”出现了两次。"
ROSTER_EMPTY_CODE = "第 {line} 行：单位代码为空。"
ROSTER_EMPTY_NAME = "第 {line} 行：单位名称为空（单位代码 {code}）。"
ROSTER_DUPLICATE_CODE = "第 {line} 行：单位代码“{code}”与第 {first} 行重复，每个单位的代码必须唯一。"
ROSTER_DUPLICATE_NAME = "第 {line} 行：单位名称“{name}”与第 {first} 行重复。"
ROSTER_BAD_TEXT = "第 {line} 行：{meaning}“{value}”含有换行或控制字符。"
ROSTER_TOO_LONG = "第 {line} 行：{meaning}过长（{length} 字），不能超过 {limit} 字。"
ROSTER_NO_AGENCIES = "名单中没有任何单位。"
ROSTER_FILE_CLASH = "第 {line} 行与第 {first} 行生成的文件名相同（{file}），请修改其中一个单位的代码。"
ROSTER_HEADER_MEANINGS = {"code": "单位代码", "name": "单位名称", "group": "单位类别"}

# Command line.
BAD_YEAR = "年度“{year}”不正确，应为 2000 到 2100 之间的四位数字年份，例如 2025。"
BAD_DEADLINE = "截止日期“{value}”不正确，请写成 2026-01-15 这样的格式。"
NEED_ROSTER_OR_BLANK = "请用 --roster 指定单位名单，或用 --blank 生成空白模板。"
ROSTER_AND_BLANK = "--roster 与 --blank 只能选择其一。"
ROSTER_ERRORS = "单位名单有 {n} 处问题，未生成任何文件："
GENERATED = "已生成 {n} 个填报表，保存在 {out}"
GENERATED_BLANK = "已生成空白模板：{path}"
CANNOT_WRITE = "无法写入 {path}：{error}"
