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
    "rulebook.copy": "复制细则配置",
    "rulebook.update": "修改细则配置",
    "rulebook.adopt": "采用细则配置",
    "exemption.add": "列入免检免扰名单",
    "exemption.revoke": "撤销免检免扰",
    "history.record": "记录检查",
    "history.import": "导入检查记录",
    "plan.create": "新建年度计划",
    "plan.update": "修改年度计划",
    "plan.submit": "提交年度计划",
    "plan.approve": "批准年度计划",
    "plan.return": "退回年度计划",
    "plan.file": "年度计划备案",
    "plan.publish": "公开年度计划",
    "plan.adjust": "调整年度计划",
    "plan.supersede": "年度计划被调整版本替代",
    "task.create": "新建抽查任务",
    "task.update": "修改抽查任务",
    "task.delete": "删除抽查任务",
    "draw.prepare": "准备抽取",
    "draw.entropy": "选择随机数来源",
    "draw.borrow": "借调执法检查人员",
    "draw.commit": "承诺抽取清单",
    "draw.witness": "登记监督人",
    "draw.dice": "录入骰子数字",
    "draw.drand": "录入 drand 随机数",
    "draw.compute": "计算抽取结果",
    "draw.refused": "拒绝更改抽取",
    "draw.attachment": "上传抽取现场材料",
    "draw.channel_submit": "报送抽取结果",
    "draw.publish": "公开抽取结果",
    "draw.auditor_record": "下载审计用抽取记录",
}


def action_label(action: str) -> str:
    """The action in Chinese, or its code when no name is known yet."""
    return ACTION_LABELS.get(action, action)
