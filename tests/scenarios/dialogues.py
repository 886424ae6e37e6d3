"""The shared dialogues: onboarding, a full report with a photo and a location, and the worker
accepting, asking, resolving, then the resident confirming and rating."""

from __future__ import annotations

from tests.scenarios.steps import Step, location, photo, say, start, tap

ONBOARDING = [
    start("resident", sees="同意"),
    tap("resident", "同意", sees="小区"),
    tap("resident", "地质六队", sees="1号楼"),
    tap("resident", "1号楼", sees="1单元"),
    tap("resident", "1单元", sees="电话"),
    tap("resident", "跳过", sees="登记完成"),
]

REPORT = [
    tap("resident", "报事报修", sees="问题类型"),
    tap("resident", "环境卫生"),
    say("resident", "楼下垃圾三天没人收", sees="照片"),
    photo("resident"),
    tap("resident", "完成", sees="地址"),
    location("resident", 34.3712, 109.2105, sees="确认提交"),
    tap("resident", "确认提交", sees="已提交", worker="新工单"),
]

WORK = [
    tap("worker", "接单", sees="处理中", resident="已被网格员受理"),
    tap("worker", "需补充信息"),
    say("worker", "是哪个单元门口？", resident="哪个单元门口"),
    say("resident", "1单元门口", worker="1单元门口"),
    tap("worker", "办结"),
    say("worker", "已清运完毕", resident="已处理完毕"),
    tap("resident", "已解决"),
    tap("resident", "⭐⭐⭐⭐⭐", sees="5星", worker="打了 5 星"),
]

WHOLE_LOOP: list[Step] = ONBOARDING + REPORT + WORK
