# ruff: noqa: E501  (data: Chinese text counts double; one item per few lines reads best)
"""The demo province's service items and life-event bundles, as data.

A material's source is written `lic:<licence type>`, `ex:<resource code>:<field,…>`,
`derived:<resource code>:<field,…>` (a statement derived from that resource by its rule
in services.reach.supply), `generated`, `account`, `form`, `upload`, or None (nobody has
said yet: a deliberate completeness gap).
"""

from __future__ import annotations

from dataclasses import dataclass

from onceonly.services.models import ItemKind, SubjectKind, VisitFor


@dataclass
class Spec:
    dept: str  # the demo department's short code
    kind: ItemKind
    seq: int  # the item's number within its department: part of the basic code
    name: str
    name_en: str
    basis: str
    conditions: str
    statutory: int | None
    promised: int | None
    depth: int
    trips: int | None
    materials: list[str | tuple[str, str, str | None]]
    subject: SubjectKind = SubjectKind.PERSON
    keywords: str = ""
    fees: str = "不收费"
    cross_region: bool = False
    places: bool = True  # False: the guide says nowhere where to apply (a gap)
    phone: bool = True
    result: str = ""  # the e-licence type an approval issues


P, E = SubjectKind.PERSON, SubjectKind.ENTITY
LIC, CONF, PAY, REG, PUB = (
    ItemKind.LICENSING,
    ItemKind.CONFIRMATION,
    ItemKind.PAYMENT,
    ItemKind.REGISTRATION,
    ItemKind.PUBLIC_SERVICE,
)
HUKOU = "《中华人民共和国户口登记条例》"
SI_LAW = "《中华人民共和国社会保险法》"
COMPANY = "《中华人民共和国市场主体登记管理条例》"
FUND = "《住房公积金管理条例》"

# fmt: off
# fmt: off
ITEMS: list[Spec] = [
    # Public security -----------------------------------------------------------------
    Spec("ps", REG, 1, "出生登记（新生儿入户）", "Household registration of a newborn", HUKOU + "第七条",
         "婴儿出生后一个月以内，由户主、亲属、抚养人或者邻居申报出生登记。", 20, 1, 4, 0,
         ["birth_cert", "household", "household_head", "marriage", "id_card"],
         keywords="新生儿 落户 报户口 出生", cross_region=True),
    Spec("ps", CONF, 2, "居民身份证首次申领", "First application for a resident ID card",
         "《中华人民共和国居民身份证法》第二条", "居住在中华人民共和国境内的年满十六周岁的中国公民。", 60, 30, 3, 1,
         ["household_data", "photo"], fees="工本费20元", keywords="身份证 办证"),
    Spec("ps", CONF, 3, "居民身份证换领", "Renewal of a resident ID card", "《中华人民共和国居民身份证法》第十一条",
         "居民身份证有效期满或者证件损坏难以辨认。", 60, 15, 3, 1, ["id_card", "household_data", "photo"],
         fees="工本费20元", keywords="身份证 到期 换证", cross_region=True, result="resident_id"),
    Spec("ps", REG, 4, "户口迁移（省内）", "Moving a household registration within the province",
         HUKOU + "第十条", "在本省范围内合法稳定就业或者有合法稳定住所。", 20, 5, 3, 1,
         ["household", "household_data", "property", "form"], keywords="迁户口 落户"),
    Spec("ps", PUB, 5, "户籍证明开具", "Certificate of household registration", HUKOU,
         "本人或者受委托人申请开具户籍记载事项证明。", 5, 1, 4, 0, ["id_card", "household_data"], keywords="户籍证明 开证明"),
    Spec("ps", CONF, 6, "居住证申领", "Residence permit", "《居住证暂行条例》第九条",
         "离开常住户口所在地，在本市居住半年以上，有合法稳定就业、住所或连续就读。", 15, 10, 3, 1, ["id_card", "home", "photo"],
         keywords="居住证 外地"),
    Spec("ps", REG, 7, "死亡人员户口注销", "Cancelling the household registration of the deceased",
         HUKOU + "第八条", "公民死亡后一个月以内，由户主、亲属、抚养人或者邻居申报死亡登记。", 20, 1, 3, 1,
         ["death", "household", "id_card"], keywords="注销户口 去世"),
    Spec("ps", REG, 8, "公章刻制备案", "Registering the making of a company seal", "《印铸刻字业暂行管理规则》",
         "依法设立的企业、个体工商户刻制印章。", 1, 1, 4, 0, ["business_licence", "company", "seal_form"], subject=E,
         keywords="刻章 公章 印章"),
    Spec("ps", LIC, 9, "机动车驾驶证期满换证", "Renewal of a driving licence", "《机动车驾驶证申领和使用规定》第六十八条",
         "机动车驾驶证有效期满前九十日内。", 1, 1, 4, 0,
         ["driving", "id_card", ("health_form", "身体条件证明", "upload")], fees="工本费10元",
         keywords="驾照 驾驶证 换证", cross_region=True),
    # Civil affairs -------------------------------------------------------------------
    Spec("ca", REG, 1, "内地居民结婚登记", "Marriage registration", "《婚姻登记条例》第四条", "男女双方完全自愿，达到法定婚龄，均无配偶。",
         1, 1, 2, 1, ["id_card", "household", "photo", "declaration"],
         keywords="结婚 领证", cross_region=True),
    Spec("ca", REG, 2, "内地居民离婚登记", "Divorce registration", "《婚姻登记条例》第十条",
         "双方自愿离婚并已对子女抚养、财产及债务处理等事项协商一致。", 30, 30, 3, 1,
         ["id_card", "household", "marriage", ("agreement", "离婚协议书", "upload")], keywords="离婚"),
    Spec("ca", REG, 3, "补领婚姻登记证", "Replacement marriage certificate", "《婚姻登记条例》第十七条",
         "结婚证、离婚证遗失或者损毁。", 1, 1, 3, 1, ["id_card", "marriage_data", "photo"], keywords="补办结婚证"),
    Spec("ca", PAY, 4, "最低生活保障", "Subsistence allowance", "《社会救助暂行办法》第九条",
         "共同生活的家庭成员人均收入低于当地最低生活保障标准且符合财产状况规定。", 30, 20, 3, 1,
         ["id_card", "household_data", "tax_record", "fund_account", "bank"], keywords="低保 救助 困难"),
    Spec("ca", PAY, 5, "高龄津贴发放", "Old-age allowance", "《浙江省老年人权益保障条例》", "具有本省户籍、年满八十周岁的老年人。", 20,
         10, 4, 0, ["person", "bank"], keywords="老人 津贴 八十岁"),
    Spec("ca", PAY, 6, "基本殡葬服务补贴", "Funeral subsidy", "《殡葬管理条例》", "本省户籍居民死亡后在本省殡仪馆火化。", 20, 10, 3,
         1, ["death", "household_data", ("cremation", "火化证明", None), "bank"], keywords="殡葬 丧葬 补贴"),
    Spec("ca", REG, 7, "社会团体成立登记", "Registering a social organisation", "《社会团体登记管理条例》第九条",
         "有五十个以上的个人会员或者三十个以上的单位会员，有规范的名称和组织机构。", 60, 30, 3, 1,
         ["form", "articles", "premises", ("sponsor", "业务主管单位批准文件", "upload")], subject=E,
         keywords="社团 协会"),
    Spec("ca", PUB, 8, "老年人优待证办理", "Senior citizen's preferential card", "《中华人民共和国老年人权益保障法》",
         "本省户籍或持居住证的六十周岁以上老年人。", 10, 3, 4, 0, ["person", "photo"], keywords="老年证 优待证 退休"),
    # Health --------------------------------------------------------------------------
    Spec("health", CONF, 1, "出生医学证明首次签发", "Birth medical certificate (first issue)",
         "《中华人民共和国母婴保健法》第二十三条", "在本省助产机构内出生的新生儿。", 5, 1, 4, 0,
         ["birth_data", "id_card", "marriage_data"], keywords="出生证 出生医学证明", result="birth_cert"),
    Spec("health", CONF, 2, "出生医学证明补发", "Replacement birth medical certificate",
         "《中华人民共和国母婴保健法》第二十三条", "出生医学证明遗失且未办理出生登记。", 30, 20, 3, 1,
         ["birth_data", "id_card", ("statement", "遗失声明", "form")], keywords="出生证 补办"),
    Spec("health", PUB, 3, "生育服务登记", "Registering a birth with the health commission",
         "《中华人民共和国人口与计划生育法》", "夫妻双方生育子女的，可以在孕前或孕期办理登记。", 5, 1, 4, 0,
         ["id_card", "marriage_data", "household_data"], keywords="生育登记 怀孕"),
    Spec("health", PUB, 4, "预防接种证办理", "Vaccination certificate", "《中华人民共和国疫苗管理法》第四十七条",
         "儿童出生后一个月内。", 1, 1, 2, 1, ["birth_cert", "id_card"], keywords="疫苗 接种 打针"),
    Spec("health", LIC, 5, "医师执业注册", "Registering a physician's practice", "《中华人民共和国医师法》第十三条",
         "取得医师资格，受聘于医疗卫生机构。", 20, 10, 3, 1,
         [ "id_card", ("qualification", "医师资格证书", "upload"), "photo", ("employer", "拟执业机构聘用证明", "upload"), ],
         keywords="医生 执业"),
    Spec("health", LIC, 6, "母婴保健技术服务执业许可", "Licence for maternal and infant health services",
         "《中华人民共和国母婴保健法实施办法》第三十五条", "具备相应技术条件的医疗保健机构。", 20, 15, 3, 1,
         ["business_licence", "form", ("staff", "技术人员资质材料", "upload")], subject=E,
         keywords="助产 医疗机构"),
    # Human resources and social security ---------------------------------------------
    Spec("hrss", PAY, 1, "生育津贴申领", "Childbirth allowance", SI_LAW + "第五十六条",
         "用人单位已为职工缴纳生育保险费，职工享受产假。", 15, 10, 4, 0,
         ["insured", "birth_data", "id_card", "bank", "leave"], keywords="生育津贴 产假 生孩子"),
    Spec("hrss", REG, 2, "新生儿参加城乡居民基本医疗保险", "Newborn medical insurance enrolment",
         SI_LAW + "第二十五条", "本省户籍或持居住证家庭的新生儿，出生后九十日内参保。", 5, 1, 4, 0,
         ["birth_data", "household_data", "id_card", "contact"], keywords="医保 新生儿 参保",
         cross_region=True),
    Spec("hrss", PUB, 3, "社会保障卡申领", "Social security card application", "《社会保障卡管理办法》",
         "已参加社会保险或者需要享受人力资源和社会保障服务的人员。", 20, 5, 4, 0, ["person", "insured", "photo", "contact"],
         keywords="社保卡 办卡", cross_region=True),
    Spec("hrss", PUB, 4, "社会保障卡补换", "Replacing a social security card", "《社会保障卡管理办法》",
         "社会保障卡遗失、损坏或者信息变更。", 20, 3, 4, 0, ["ss_card", "id_card", "photo"], fees="工本费20元",
         keywords="社保卡 补办 挂失"),
    Spec("hrss", PAY, 5, "职工基本养老保险退休待遇申领", "Claiming a retirement pension", SI_LAW + "第十六条",
         "达到法定退休年龄，累计缴费满十五年。", 20, 10, 4, 0, ["insured", "id_card", "retire_form", "bank"],
         keywords="退休 养老金 退休金"),
    Spec("hrss", CONF, 6, "职工医疗保险退休人员待遇核定", "Retiree medical insurance entitlement",
         SI_LAW + "第二十七条", "达到法定退休年龄时累计缴纳基本医疗保险费达到规定年限。", 20, 10, 4, 0,
         ["insured", "id_card", "retire_form"], keywords="退休 医保"),
    Spec("hrss", PAY, 7, "城乡居民基本养老保险待遇申领", "Residents' basic pension claim",
         "《国务院关于建立统一的城乡居民基本养老保险制度的意见》", "年满六十周岁、累计缴费满十五年且未领取国家规定的基本养老保障待遇。", 20, 10, 3, 1,
         ["person", "insured", "bank"], keywords="养老 农保 六十岁"),
    Spec("hrss", PAY, 8, "失业保险金申领", "Unemployment benefit", "《失业保险条例》第十四条",
         "非因本人意愿中断就业，已办理失业登记并有求职要求，缴费满一年。", 20, 10, 4, 0,
         ["insured", "id_card", "bank", ("termination", "解除劳动合同证明", "upload")], keywords="失业 失业金"),
    Spec("hrss", REG, 9, "单位参保登记", "Employer social insurance registration", SI_LAW + "第五十七条",
         "用人单位自成立之日起三十日内申请办理社会保险登记。", 15, 1, 4, 0, ["business_licence", "company", "employees"],
         subject=E, keywords="社保开户 单位参保 开办企业"),
    Spec("hrss", PUB, 10, "个人权益记录查询打印", "Printing a personal social insurance record",
         SI_LAW + "第七十四条", "参保人员本人申请。", 1, 1, 4, 0, ["insured", "id_card"], keywords="社保 缴费记录 证明"),
    Spec("hrss", REG, 11, "就业登记", "Employment registration", "《就业服务与就业管理规定》第六十二条",
         "用人单位招用人员后三十日内。", 5, 1, 4, 0, ["company", "employees"], subject=E, keywords="就业 招工"),
    # Market regulation ---------------------------------------------------------------
    Spec("amr", REG, 1, "企业设立登记", "Registering a new company", COMPANY + "第三条",
         "申请人具备设立企业的法定条件，名称不与已登记企业重复。", 15, 1, 4, 0,
         ["company_form", "id_card", "articles", "premises"], subject=E,
         keywords="开公司 注册公司 营业执照 开办企业", result="business_licence"),
    Spec("amr", REG, 2, "企业名称自主申报", "Reserving a company name", COMPANY + "第十条",
         "名称符合《企业名称登记管理规定》。", 1, 1, 4, 0, ["form", "id_card"], subject=E, keywords="核名 企业名称"),
    Spec("amr", REG, 3, "企业变更登记", "Changing a company's registration", COMPANY + "第二十四条",
         "企业登记事项发生变更之日起三十日内。", 15, 3, 4, 0, ["business_licence", "company", "company_form"],
         subject=E, keywords="变更 营业执照"),
    Spec("amr", REG, 4, "企业注销登记", "Deregistering a company", COMPANY + "第三十一条", "企业已清算完毕，债权债务已清理。",
         15, 3, 3, 1, ["business_licence", "company", ("liquidation", "清算报告", "upload")],
         subject=E, keywords="注销 关门"),
    Spec("amr", REG, 5, "个体工商户登记", "Registering a sole trader", "《促进个体工商户发展条例》", "有经营能力的公民。", 15,
         1, 4, 0, ["id_card", ("premises", "经营场所使用证明", "ex:rer.properties:cert_no,address,usage"), "form"],
         keywords="个体户 开店"),
    Spec("amr", LIC, 6, "食品经营许可", "Food business licence", "《中华人民共和国食品安全法》第三十五条",
         "具有与经营的食品品种、数量相适应的场所和设备。", 20, 10, 3, 1,
         ["business_licence", "company", "premises", ("food_safety", "食品安全管理制度", "upload")],
         subject=E, fees="不收费", keywords="餐饮 食品 开饭店"),
    # Housing provident fund ----------------------------------------------------------
    Spec("hpf", REG, 1, "住房公积金单位缴存登记", "Employer housing fund registration", FUND + "第十四条",
         "新设立的单位自设立之日起三十日内。", 5, 1, 4, 0, ["business_licence", "company", "employees"], subject=E,
         keywords="公积金开户 开办企业"),
    Spec("hpf", PAY, 2, "离退休提取住房公积金", "Withdrawing the housing fund on retirement", FUND + "第二十四条",
         "职工离休、退休。", 3, 1, 4, 0, ["fund_account", "id_card", "bank"], keywords="公积金 退休 提取"),
    Spec("hpf", PAY, 3, "购房提取住房公积金", "Withdrawing the housing fund to buy a home", FUND + "第二十四条",
         "购买、建造、翻建、大修自住住房。", 3, 1, 4, 0, ["fund_account", "id_card", "property", "bank"],
         keywords="公积金 买房 提取"),
    Spec("hpf", PAY, 4, "个人住房公积金贷款", "Housing fund mortgage", FUND + "第二十六条",
         "缴存职工购买、建造、翻建、大修自住住房。", 15, 10, 3, 1,
         ["fund_account", "id_card", "marriage_data", "property", "tax_record"],
         keywords="公积金贷款 房贷"),
    Spec("hpf", REG, 5, "个人住房公积金账户设立", "Opening a personal housing fund account", FUND + "第十五条",
         "单位录用职工之日起三十日内。", 3, 1, 4, 0, ["person", "company"], subject=E, keywords="公积金 开户"),
    # Education -----------------------------------------------------------------------
    Spec("edu", PUB, 1, "义务教育入学报名", "Primary school enrolment", "《中华人民共和国义务教育法》第十二条",
         "年满六周岁的适龄儿童。", 20, 20, 4, 0, ["birth_cert", "household_data", "property"],
         keywords="入学 小学 报名 上学"),
    Spec("edu", CONF, 2, "学籍证明开具", "Certificate of school records", "《中小学生学籍管理办法》",
         "在本省学籍系统中有学籍记录的学生。", 5, 1, 4, 0, ["school_record", "id_card"], keywords="学籍 证明"),
    Spec("edu", CONF, 3, "教师资格认定", "Recognising a teacher's qualification", "《教师资格条例》第十三条",
         "具备规定学历，通过国家教师资格考试，普通话水平达标。", 30, 20, 3, 1,
         ["id_card", "school_record", "photo", ("physical", "体检合格证明", "upload")],
         keywords="教师资格证 教资"),
    Spec("edu", LIC, 4, "民办学校设立", "Founding a private school", "",
         "举办者具有法人资格或完全民事行为能力，有符合规定的校舍和资金。", 90, 60, 3, 1, ["form", "articles", "premises"],
         subject=E, fees="", keywords="民办学校 办学"),
    # Taxation ------------------------------------------------------------------------
    Spec("tax", REG, 1, "新办纳税人涉税事项", "Tax set-up for a new company", "《中华人民共和国税收征收管理法》第十五条",
         "领取营业执照的企业。", 1, 1, 4, 0, ["business_licence", "company", "bank"], subject=E,
         keywords="税务登记 开办企业 报到"),
    Spec("tax", LIC, 2, "发票领用", "Obtaining invoices", "《中华人民共和国发票管理办法》第十五条", "已办理涉税信息确认的纳税人。", 5,
         1, 4, 0, ["business_licence", ("tax_registration", "税务登记信息", "lic:tax_registration")],
         subject=E, keywords="发票 领票"),
    Spec("tax", REG, 3, "个人所得税综合所得汇算清缴", "Annual individual income tax return",
         "《中华人民共和国个人所得税法》第十一条", "取得综合所得需要办理汇算清缴的纳税人。", None, None, 4, 0,
         ["tax_record", "person", "bank"], keywords="个税 退税 汇算"),
    Spec("tax", PUB, 4, "开具个人所得税纳税记录", "Individual income tax record",
         "《国家税务总局关于将个人所得税〈税收完税证明〉（文书式）调整为〈纳税记录〉有关事项的公告》", "纳税人本人申请。", 1, 1, 4, 0,
         ["tax_record", "id_card"], keywords="完税证明 纳税记录"),
]
# fmt: on
# fmt: on

# Items the cities implement from the province's template; the overrides are how a
# city's guide differs (deterministic, for the differences page).
IMPLEMENTED: dict[tuple[str, int], dict[str, dict[str, object]]] = {
    ("ps", 1): {"330100": {"promised_days": 1}, "330200": {}, "330300": {"max_trips": 1}},
    ("ps", 3): {
        "330100": {"promised_days": 10},
        "330200": {},
        "330300": {"places": False, "phone": False},
    },
    ("ca", 1): {"330100": {}, "330200": {"online_depth": 3}, "330300": {}},
    ("hrss", 3): {"330100": {"promised_days": 3}, "330200": {}, "330300": {}},
    ("hrss", 1): {"330100": {}, "330200": {"promised_days": 20}, "330300": {}},
    ("amr", 1): {
        "330100": {"online_depth": 3, "max_trips": 1},
        "330200": {"drop": "premises"},
        "330300": {},
    },
}

# (code, name, English name, subject, promised days, [(department, item seq)], description)
BUNDLES: list[tuple[str, str, str, SubjectKind, int, list[tuple[str, int]], str]] = [
    (
        "having-a-baby",
        "生育一件事",
        "Having a baby",
        P,
        5,
        [("health", 1), ("ps", 1), ("hrss", 2), ("hrss", 3), ("hrss", 1)],
        "出生医学证明、新生儿落户、医保参保、社会保障卡和生育津贴，一次申请、一次办好。",
    ),
    (
        "starting-a-business",
        "开办企业一件事",
        "Starting a business",
        E,
        1,
        [("amr", 1), ("ps", 8), ("tax", 1), ("hrss", 9), ("hpf", 1)],
        "营业执照、公章刻制、涉税事项、社保和公积金开户，一个环节、一天办结。",
    ),
    (
        "retirement",
        "退休一件事",
        "Retirement",
        P,
        10,
        [("hrss", 5), ("hrss", 6), ("hpf", 2), ("ca", 8)],
        "养老金、退休人员医保、公积金提取和老年人优待证一次办理。",
    ),
]

# What the one remaining trip of an item is for (issue 18): a check only in person
# (fingerprints, both parties' signatures, a site or a home visit) or collecting a paper
# result. Every other item is fully online (0 trips).
CHECK, COLLECT = VisitFor.CHECK, VisitFor.COLLECTION
VISITS: dict[tuple[str, int], VisitFor] = {
    ("ps", 1): CHECK, ("amr", 1): COLLECT,  # only where a city's guide asks a trip
    ("ps", 2): CHECK, ("ps", 3): CHECK, ("ps", 4): COLLECT, ("ps", 6): CHECK,
    ("ps", 7): COLLECT, ("ca", 1): CHECK, ("ca", 2): CHECK, ("ca", 3): COLLECT,
    ("ca", 4): CHECK, ("ca", 6): CHECK, ("ca", 7): CHECK, ("health", 2): COLLECT,
    ("health", 4): COLLECT, ("health", 5): CHECK, ("health", 6): CHECK, ("hrss", 7): CHECK,
    ("amr", 4): CHECK, ("amr", 6): CHECK, ("hpf", 4): CHECK, ("edu", 3): CHECK,
    ("edu", 4): CHECK,
}  # fmt: skip


# The bundles' descriptions in English, by bundle code.
BUNDLE_DESCRIPTIONS_EN: dict[str, str] = {
    "having-a-baby": "Birth certificate, household registration of the newborn, medical "
    "insurance, social security card and childbirth allowance: apply once, done once.",
    "starting-a-business": "Business licence, company seal, tax set-up, social insurance and "
    "housing fund accounts: one step, done in a day.",
    "retirement": "Pension, retiree medical insurance, housing fund withdrawal and the senior "
    "citizen's card, done at once.",
}
