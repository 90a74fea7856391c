"""Chinese complaint texts and addresses built from templates."""

from __future__ import annotations

import numpy as np

COMMUNITIES = [
    "阳光花园",
    "锦绣家园",
    "翠湖苑",
    "金色港湾",
    "滨江一号",
    "书香名邸",
    "和谐小区",
    "幸福里",
    "绿城桂花园",
    "江南华府",
    "新城公寓",
    "丽景湾",
]
SHOPS = ["小吃店", "烧烤店", "水果店", "超市", "菜市场", "奶茶店", "面馆", "火锅店"]

TEMPLATES: dict[str, list[str]] = {
    "noise": [
        "{addr}附近{shop}夜间经营噪音很大，严重影响休息，请尽快处理。",
        "{addr}工地晚上十点以后仍在施工，噪声扰民，希望相关部门查处。",
        "{addr}楼下广场舞音响声音过大，每天晚上持续到很晚。",
    ],
    "illegal_parking": [
        "{addr}路口长期有车辆违停，堵塞消防通道，存在安全隐患。",
        "{addr}人行道上停满机动车，行人无法通行，请求处理。",
    ],
    "road_damage": [
        "{addr}路面出现大坑，雨天积水，已有电动车摔倒，请尽快修补。",
        "{addr}人行道砖松动破损，老人走路容易绊倒。",
    ],
    "garbage": ["{addr}垃圾桶已满两天无人清运，气味很大。", "{addr}有人乱倒建筑垃圾，长期堆放无人处理。"],
    "water_supply": [
        "{addr}{community}今天早上开始停水，没有接到任何通知，请问何时恢复？",
        "{addr}自来水发黄有异味，担心水质问题。",
    ],
    "power_outage": ["{addr}{community}突然停电，家中有老人，请尽快抢修。", "{addr}路段频繁跳闸停电。"],
    "gas": ["{addr}{community}楼道内闻到燃气味，请燃气公司尽快派人检查。"],
    "air_pollution": ["{addr}附近工厂烟囱冒黑烟，空气有刺鼻气味。", "{addr}露天焚烧垃圾，烟雾很大。"],
    "food_safety": [
        "本人在{addr}{shop}就餐后腹泻，怀疑食品不卫生，请市场监管部门调查。",
        "{addr}{shop}销售过期食品，请求查处。",
    ],
    "wage_arrears": [
        "本人在{addr}某建筑工地务工，工资已拖欠三个月，请求帮助追讨。",
        "{addr}一家公司拖欠员工工资，老板联系不上。",
    ],
    "property_mgmt": ["{addr}{community}物业不作为，电梯经常故障无人维修。", "{addr}{community}物业乱收停车费。"],
    "street_light": ["{addr}路灯已经坏了一周，晚上一片漆黑，出行不安全。"],
    "traffic_signal": ["{addr}路口红绿灯故障，车辆通行混乱。", "{addr}路口左转信号时间太短，经常拥堵。"],
    "public_transport": ["{addr}公交站的公交车经常不按时到站，等车时间太长。", "{addr}附近公交线路撤销后出行不便。"],
    "school": ["{addr}附近学校周边上下学时段交通拥堵，存在安全隐患。", "咨询{addr}{community}对应的学区划分。"],
    "medical": ["{addr}社区卫生服务中心排队时间过长，医生态度差。", "反映{addr}附近药店药品价格过高。"],
}
CONTACT = "联系电话{phone}。"

RESULTS = ["已现场处置完毕", "已责令整改", "已联系相关单位修复", "已向市民解释说明", "已立案查处"]
RETURN_REASONS = ["非本单位职责", "地址不属于本辖区", "诉求内容需其他部门配合"]


def phone_number(rng: np.random.Generator) -> str:
    """A mobile number like 13812345678."""
    return f"1{rng.choice([3, 5, 8])}{rng.integers(0, 10)}{rng.integers(0, 100_000_000):08d}"


def address(rng: np.random.Generator, city: str, district: str, street: str, road: str) -> str:
    """A Chinese postal-style address inside the given sub-district."""
    return f"{city}{district}{street}{road}{int(rng.integers(1, 400))}号"


def description(rng: np.random.Generator, service_code: str, place: str) -> str:
    """A citizen's complaint text; about a third include a phone number."""
    templates = TEMPLATES[service_code]
    text = templates[int(rng.integers(len(templates)))].format(
        addr=place,
        shop=SHOPS[int(rng.integers(len(SHOPS)))],
        community=COMMUNITIES[int(rng.integers(len(COMMUNITIES)))],
    )
    if rng.random() < 0.33:
        text += CONTACT.format(phone=phone_number(rng))
    return text
