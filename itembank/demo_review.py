"""Demo items under review: one waiting at each review step, one sent back to its author.

Safe to run twice: an item already in the bank is left where its review stands. The
reviewers are the demo users ``reviewer`` (content), ``fairness`` (language and fairness)
and ``psychometrician`` (psychometric review); without them (``--skip-apps`` users only,
or a test) nothing is created.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Item
from .services import item_review_decide, item_review_submit, item_save_draft


def _options(texts: list[str], key: int) -> list[dict]:
    return [
        {"option_id": "ABCD"[i], "text": t, "is_key": i == key}
        for i, t in enumerate(texts)
    ]


# code, stem, options, key, the decisions taken so far: (reviewer username, approve, comment)
REVIEW_DEMO = [
    (
        "INFO-REVIEW-001",
        "<p>在网上填写个人信息前，最先应该确认什么？</p>",
        [
            "网站是否为官方或可信的网站",
            "页面是否美观",
            "网站的访问量",
            "填写所需的时间",
        ],
        0,
        [],
    ),
    (
        "INFO-REVIEW-002",
        "<p>小区群里转发的“停水通知”没有注明来源。您应该怎么做？</p>",
        [
            "立即转发给亲友",
            "向物业或自来水公司核实",
            "不予理会",
            "在群里追问发布者姓名",
        ],
        1,
        [("reviewer", True, "内容准确，情境贴近社区生活。")],
    ),
    (
        "INFO-REVIEW-003",
        "<p>用手机拍摄的文件照片要发给单位，哪种做法最能保护隐私？</p>",
        [
            "直接发到工作群",
            "发到个人邮箱再转发",
            "遮挡无关的个人信息后通过单位指定渠道发送",
            "上传到公共网盘并分享链接",
        ],
        2,
        [
            ("reviewer", True, "考查点明确。"),
            ("fairness", True, "用语通俗，无地域或年龄偏向。"),
        ],
    ),
    (
        "INFO-REVIEW-004",
        "<p>老年人使用智能手机支付时，下列哪项做法最安全？</p>",
        [
            "把支付密码写在手机壳上",
            "开启大额支付提醒",
            "把验证码告诉客服",
            "关闭手机锁屏",
        ],
        1,
        [
            ("reviewer", True, "内容无误。"),
            (
                "fairness",
                False,
                "题干只提“老年人”，有年龄刻板印象之嫌；请改为面向所有市民的表述。",
            ),
        ],
    ),
]


@transaction.atomic
def review_demo_ensure() -> int:
    """Create the demo items under review that the bank does not hold yet; return how many."""

    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=["author", "reviewer", "fairness", "psychometrician"]
        )
    }
    if len(users) < 4:
        return 0
    existing = set(
        Item.objects.filter(code__in=[r[0] for r in REVIEW_DEMO]).values_list(
            "code", flat=True
        )
    )
    created = 0
    for code, stem, texts, key, decisions in REVIEW_DEMO:
        if code in existing:
            continue
        item = item_save_draft(
            code=code,
            domain_code="info.safety",
            kind="single_choice",
            stem=stem,
            options=_options(texts, key),
            instructions="请选择一个答案。",
            tags=["演示", "审核中"],
            user=users["author"],
        )
        item_review_submit(item=item, user=users["author"])
        for username, approve, comment in decisions:
            item_review_decide(
                item=item, user=users[username], approve=approve, comment=comment
            )
        created += 1
    return created
