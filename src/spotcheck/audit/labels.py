"""Chinese names of audit actions; domains add theirs here as they arrive."""

from __future__ import annotations

ACTION_LABELS = {
    "login.success": "登录成功",
    "login.failed": "登录失败",
    "login.locked": "锁定期间登录",
    "logout": "退出登录",
    "user.create": "新建用户",
    "user.update": "修改用户",
    "user.password": "修改密码",
    "user.password_reset": "重置密码",
    "department.create": "新建部门",
    "department.update": "修改部门",
    "calendar.seed": "载入工作日历",
    "calendar.import": "导入工作日历",
    "calendar.update_day": "修改工作日历",
}


def action_label(action: str) -> str:
    """The action in Chinese, or its code when no name is known yet."""
    return ACTION_LABELS.get(action, action)
