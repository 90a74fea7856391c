"""Names of the demo city's places, roads, facilities, departments and complaint categories (zh, en)."""

from __future__ import annotations

CITY_CODE = "339900"
CITY_ZH = "澄江市"
CITY_EN = "Chengjiang"

# District seeds in km from the centre (before jitter), names and relative population density.
DISTRICTS = [
    ("江北区", "Jiangbei District", (0.0, 5.0), 3.2),
    ("江南区", "Jiangnan District", (0.5, -5.5), 2.8),
    ("滨湖区", "Binhu District", (-12.0, 4.0), 1.3),
    ("高新区", "Gaoxin District", (12.0, 3.5), 1.5),
    ("澄东区", "Chengdong District", (11.0, -9.0), 0.8),
    ("青山区", "Qingshan District", (-11.0, -9.0), 0.7),
    ("临江区", "Linjiang District", (1.0, 15.0), 0.6),
]

SUBDISTRICT_STEMS = [
    ("城东", "Chengdong"),
    ("城西", "Chengxi"),
    ("文昌", "Wenchang"),
    ("湖滨", "Hubin"),
    ("新港", "Xingang"),
    ("白鹭", "Bailu"),
    ("金桥", "Jinqiao"),
    ("长安", "Chang'an"),
    ("太平", "Taiping"),
    ("仁和", "Renhe"),
    ("柳营", "Liuying"),
    ("望江", "Wangjiang"),
    ("梅园", "Meiyuan"),
    ("桃源", "Taoyuan"),
    ("凤凰", "Fenghuang"),
    ("龙山", "Longshan"),
    ("南门", "Nanmen"),
    ("北门", "Beimen"),
    ("江滨", "Jiangbin"),
    ("朝阳", "Chaoyang"),
    ("东升", "Dongsheng"),
    ("五星", "Wuxing"),
    ("双桥", "Shuangqiao"),
    ("青云", "Qingyun"),
    ("兴隆", "Xinglong"),
    ("永安", "Yong'an"),
    ("丰乐", "Fengle"),
    ("清河", "Qinghe"),
    ("石门", "Shimen"),
    ("荷花", "Hehua"),
    ("杏林", "Xinglin"),
    ("华阳", "Huayang"),
    ("光明", "Guangming"),
    ("和平", "Heping"),
    ("新民", "Xinmin"),
    ("安澜", "Anlan"),
    ("湖塘", "Hutang"),
    ("万福", "Wanfu"),
    ("云溪", "Yunxi"),
    ("银湖", "Yinhu"),
    ("沙洲", "Shazhou"),
    ("横塘", "Hengtang"),
    ("周巷", "Zhouxiang"),
    ("陈桥", "Chenqiao"),
    ("马鞍", "Ma'an"),
    ("狮山", "Shishan"),
    ("鹿苑", "Luyuan"),
    ("钱桥", "Qianqiao"),
    ("胜利", "Shengli"),
    ("红星", "Hongxing"),
]

RING_ROAD = ("绕城高速", "Ring Expressway")
RADIAL_ROADS = [
    ("人民大道", "Renmin Avenue"),
    ("解放大道", "Jiefang Avenue"),
    ("中山大道", "Zhongshan Avenue"),
    ("建设大道", "Jianshe Avenue"),
    ("迎宾大道", "Yingbin Avenue"),
    ("文昌大道", "Wenchang Avenue"),
    ("澄江大道", "Chengjiang Avenue"),
    ("世纪大道", "Shiji Avenue"),
]
EAST_WEST_ROADS = [
    ("学府路", "Xuefu Road"),
    ("青年路", "Qingnian Road"),
    ("望湖路", "Wanghu Road"),
    ("富春路", "Fuchun Road"),
    ("通江路", "Tongjiang Road"),
    ("湖滨路", "Hubin Road"),
    ("新华路", "Xinhua Road"),
]
NORTH_SOUTH_ROADS = [
    ("北园路", "Beiyuan Road"),
    ("南湖路", "Nanhu Road"),
    ("东风路", "Dongfeng Road"),
    ("朝阳路", "Chaoyang Road"),
    ("光明路", "Guangming Road"),
    ("科技路", "Keji Road"),
    ("振兴路", "Zhenxing Road"),
    ("兴业路", "Xingye Road"),
    ("园林路", "Yuanlin Road"),
]

RIVER = ("澄江", "Chengjiang River")
LAKES = [("镜湖", "Jinghu Lake"), ("白鹭湖", "Bailu Lake")]

AIR_SITES = [
    ("监测站", "Monitoring Station"),
    ("小学", "Primary School"),
    ("公园", "Park"),
    ("中学", "Middle School"),
    ("体育馆", "Stadium"),
    ("文化宫", "Cultural Palace"),
    ("水厂", "Waterworks"),
    ("医院", "Hospital"),
]

HALL_ITEMS = [
    ("户籍办理", "Household registration", 8),
    ("社保业务", "Social insurance", 10),
    ("公积金提取", "Housing fund withdrawal", 9),
    ("不动产登记", "Real estate registration", 22),
    ("营业执照", "Business licence", 18),
    ("税务申报", "Tax filing", 14),
    ("出入境证件", "Exit-entry documents", 9),
    ("医保报销", "Medical insurance reimbursement", 11),
    ("机动车业务", "Motor vehicle services", 12),
    ("婚姻登记", "Marriage registration", 15),
    ("居住证办理", "Residence permit", 8),
    ("人才落户", "Talent settlement", 16),
    ("建设工程审批", "Construction permit", 25),
    ("水电气过户", "Utility transfer", 7),
    ("个体工商户登记", "Sole proprietorship registration", 13),
]

DEPARTMENTS = [
    ("D01", "城市管理局", "Urban Management Bureau"),
    ("D02", "住房和城乡建设局", "Housing and Urban-Rural Development Bureau"),
    ("D03", "交通运输局", "Transport Bureau"),
    ("D04", "生态环境局", "Ecology and Environment Bureau"),
    ("D05", "市场监督管理局", "Market Supervision Administration"),
    ("D06", "水务局", "Water Affairs Bureau"),
    ("D07", "公安局", "Public Security Bureau"),
    ("D08", "人力资源和社会保障局", "Human Resources and Social Security Bureau"),
    ("D09", "卫生健康委员会", "Health Commission"),
    ("D10", "教育局", "Education Bureau"),
    ("D11", "供电公司", "Power Supply Company"),
    ("D12", "燃气集团", "Gas Group"),
]

#: Short names the departments go by in hotline exports and citizens' words (kind, alias, code).
ALIASES = [
    ("department", "住建局", "D02"),
    ("department", "市住建局", "D02"),
    ("department", "城管局", "D01"),
    ("department", "交通局", "D03"),
    ("department", "环保局", "D04"),
]

# service_code, zh, en, department, deadline days, share, group
SERVICE_TYPES = [
    ("noise", "噪声扰民", "Noise nuisance", "D04", 5, 0.12, "environment"),
    ("illegal_parking", "违章停车", "Illegal parking", "D07", 1, 0.10, "traffic"),
    ("road_damage", "道路破损", "Road damage", "D02", 7, 0.06, "street"),
    ("garbage", "垃圾清运", "Garbage collection", "D01", 2, 0.10, "sanitation"),
    ("water_supply", "供水问题", "Water supply", "D06", 2, 0.07, "utilities"),
    ("power_outage", "停电故障", "Power outage", "D11", 1, 0.05, "utilities"),
    ("gas", "燃气问题", "Gas supply", "D12", 1, 0.02, "utilities"),
    ("air_pollution", "大气污染", "Air pollution", "D04", 7, 0.04, "environment"),
    ("food_safety", "食品安全", "Food safety", "D05", 7, 0.05, "market"),
    ("wage_arrears", "欠薪讨薪", "Wage arrears", "D08", 15, 0.07, "labour"),
    ("property_mgmt", "物业管理", "Property management", "D02", 10, 0.11, "housing"),
    ("street_light", "路灯故障", "Street light out", "D01", 3, 0.04, "street"),
    ("traffic_signal", "交通信号", "Traffic signal", "D07", 2, 0.03, "traffic"),
    ("public_transport", "公交服务", "Public transport", "D03", 5, 0.05, "traffic"),
    ("school", "教育服务", "Schools", "D10", 10, 0.04, "public_services"),
    ("medical", "医疗卫生", "Medical services", "D09", 10, 0.05, "public_services"),
]
