"""Names and contact data of the sample customers: the text columns, drawn from vocabularies.

Company names are a city or a brand, a two-character trade name, an industry-flavoured
business scope and a legal form (made unique by a number in full-width brackets); contacts
have a Chinese name (surnames by frequency), a mainland mobile number, a WeChat id and an
email address built from the pinyin of their name or of their company. Everything is drawn
as whole Arrow string columns, without a Python loop over rows. The sample roster draws its
people's names from the same vocabularies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from revisitkit.sample.profile import SampleProfile


def _with_pinyin(text: str) -> tuple[tuple[str, str], ...]:
    """Han characters with their pinyin, from ``"华hua 恒heng …"``: each word is one character
    followed by its pinyin, in the order of the text (draws index into it)."""
    return tuple((word[0], word[1:]) for word in text.split())


# --- vocabularies for names (not shares: drawn uniformly unless the profile says otherwise) ---

# Cities used as a company-name prefix, per province / country.
_CITIES: dict[str, tuple[str, ...]] = {
    "上海": ("上海",),
    "江苏": ("南京", "苏州", "无锡", "常州", "南通", "扬州"),
    "浙江": ("杭州", "宁波", "温州", "绍兴", "嘉兴", "台州"),
    "安徽": ("合肥", "芜湖", "马鞍山"),
    "广东": ("广州", "深圳", "东莞", "佛山", "珠海", "中山", "惠州"),
    "北京": ("北京",),
    "天津": ("天津",),
    "河北": ("石家庄", "唐山", "保定", "廊坊"),
    "四川": ("成都", "绵阳", "德阳"),
    "重庆": ("重庆",),
    "湖北": ("武汉", "宜昌", "襄阳"),
    "湖南": ("长沙", "株洲", "湘潭"),
    "江西": ("南昌", "赣州", "九江"),
    "山东": ("济南", "青岛", "烟台", "潍坊"),
    "福建": ("福州", "厦门", "泉州"),
    "河南": ("郑州", "洛阳", "新乡"),
    "陕西": ("西安", "宝鸡"),
    "辽宁": ("沈阳", "大连"),
    "新加坡": ("新加坡",),
    "马来西亚": ("马来西亚", "吉隆坡"),
    "泰国": ("泰国", "曼谷"),
    "越南": ("越南", "胡志明"),
    "印度尼西亚": ("印尼", "雅加达"),
    "德国": ("德国",),
    "法国": ("法国",),
    "英国": ("英国",),
    "意大利": ("意大利",),
}
_BRANDS = ("中天", "华夏", "东方", "国信", "长城", "金桥", "新世纪", "中联", "环宇", "汇通")

# Two-character trade names are built from a first and a second character (with pinyin, which
# also gives the corporate email domain).
_WORD_FIRST = _with_pinyin(
    "华hua 恒heng 宏hong 瑞rui 金jin 鑫xin 鼎ding 永yong 嘉jia 博bo 创chuang 凯kai 天tian 联lian "
    "众zhong 启qi 海hai 合he 安an 德de 润run 浩hao 卓zhuo 佳jia 光guang 明ming 振zhen 和he 百bai "
    "万wan 祥xiang 锦jin 诚cheng 荣rong 立li 思si 昊hao 泓hong 汇hui 坤kun 伟wei 富fu 广guang "
    "鸿hong 宝bao 骏jun 奥ao 东dong"
)
_WORD_SECOND = _with_pinyin(
    "泰tai 达da 通tong 源yuan 丰feng 盛sheng 信xin 新xin 远yuan 康kang 力li 晟sheng 越yue 美mei "
    "昌chang 升sheng 拓tuo 顺shun 辉hui 腾teng 茂mao 航hang 益yi 捷jie 宇yu 科ke 峰feng 隆long "
    "成cheng 方fang 兴xing 华hua 威wei 恒heng 元yuan 瀚han 睿rui 阳yang 林lin 川chuan 邦bang 业ye"
)

# Industry-flavoured business-scope words (with an English slug for the email domain).
_SCOPES: dict[str, tuple[tuple[str, str], ...]] = {
    "汽车零部件": (("汽车零部件", "auto"), ("汽配", "autoparts"), ("精密部件", "precision")),
    "电子制造": (("电子科技", "tech"), ("电子", "elec"), ("微电子", "micro")),
    "机械设备": (("机械设备", "machinery"), ("重工", "heavy"), ("智能装备", "equip")),
    "化工": (("化工", "chem"), ("新材料", "material"), ("化学", "chemical")),
    "食品加工": (("食品", "food"), ("食品科技", "foodtech"), ("农业发展", "agri")),
    "纺织服装": (("纺织", "textile"), ("服饰", "fashion"), ("织造", "weaving")),
    "物流": (("物流", "logistics"), ("供应链管理", "scm"), ("国际货运代理", "freight")),
    "金融": (("融资租赁", "leasing"), ("投资管理", "invest"), ("商业保理", "factoring")),
    "零售": (("商贸", "trade"), ("连锁超市", "mart"), ("百货", "retail")),
    "信息技术": (("信息技术", "it"), ("软件", "soft"), ("网络科技", "net"), ("数据科技", "data")),
    "医疗健康": (("医疗器械", "med"), ("生物科技", "bio"), ("健康管理", "health")),
    "政府机关": (("城市建设投资", "ct"), ("国有资本运营", "gz"), ("产业园区开发", "park")),
    "公用事业": (("水务", "water"), ("燃气", "gas"), ("热力", "heat"), ("环保", "eco")),
    "教育": (("教育科技", "edu"), ("教育咨询", "education"), ("职业培训", "training")),
    "交通运输": (("交通运输", "transit"), ("公交", "bus"), ("港务", "port")),
}

# Surnames in order of frequency (weighted by the profile's Zipf exponent) and given-name
# characters, both with pinyin for email addresses.
_SURNAMES = _with_pinyin(
    "王wang 李li 张zhang 刘liu 陈chen 杨yang 黄huang 赵zhao 吴wu 周zhou 徐xu 孙sun 马ma 朱zhu 胡hu "
    "郭guo 何he 高gao 林lin 罗luo 郑zheng 梁liang 谢xie 宋song 唐tang 许xu 韩han 冯feng 邓deng "
    "曹cao"
)
_GIVEN = _with_pinyin(
    "伟wei 芳fang 娜na 敏min 静jing 丽li 强qiang 磊lei 军jun 洋yang 勇yong 艳yan 杰jie 娟juan "
    "涛tao 明ming 超chao 秀xiu 霞xia 平ping 刚gang 华hua 建jian 国guo 文wen 辉hui 玲ling 鹏peng "
    "宇yu 浩hao 婷ting 雪xue 晨chen 欣xin 志zhi 红hong 宁ning 斌bin 琳lin 凯kai"
)


def _company_names(
    latent: dict[str, np.ndarray], n: int, rng: np.random.Generator, p: SampleProfile
) -> tuple[pd.Series, pa.Array, pa.Array]:
    """Unique company names: city or brand + trade name + business scope + legal form."""
    provinces = list(latent["province_names"])
    city_vocab = [c for prov in provinces for c in _CITIES[prov]]
    city_count = np.array([len(_CITIES[prov]) for prov in provinces])
    city_offset = np.concatenate([[0], np.cumsum(city_count)[:-1]])
    prov = latent["province"]
    city = city_offset[prov] + (rng.random(n) * city_count[prov]).astype(np.int64)
    brand = len(city_vocab) + rng.integers(0, len(_BRANDS), n)
    prefix = np.where(rng.random(n) < p.city_prefix_share, city, brand)

    first = rng.integers(0, len(_WORD_FIRST), n)
    second = rng.integers(0, len(_WORD_SECOND), n)

    industry_names = [i[0] for i in p.industries]
    scope_vocab = [s for ind in industry_names for s in _SCOPES[ind]]
    scope_count = np.array([len(_SCOPES[ind]) for ind in industry_names])
    scope_offset = np.concatenate([[0], np.cumsum(scope_count)[:-1]])
    ind = latent["industry"]
    scope = scope_offset[ind] + (rng.random(n) * scope_count[ind]).astype(np.int64)
    legal = (rng.random(n) < p.joint_stock_share).astype(np.int64)

    base = _join(
        _take(city_vocab + list(_BRANDS), prefix),
        _take([c for c, _ in _WORD_FIRST], first),
        _take([c for c, _ in _WORD_SECOND], second),
        _take([s for s, _ in scope_vocab], scope),
        _take(("有限公司", "股份有限公司"), legal),
    )
    # a repeated name gets a deterministic number: the 2nd occurrence (2), the 3rd (3), ...
    codes = pc.dictionary_encode(base).indices.to_numpy(zero_copy_only=False)
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]
    position = np.arange(n)
    occurrence = np.empty(n, dtype=np.int64)
    occurrence[order] = position - np.maximum.accumulate(np.where(starts, position, 0))
    numbered = _join(base, "（", pc.cast(pa.array(occurrence + 1), pa.large_string()), "）")
    names = pc.if_else(pa.array(occurrence > 0), numbered, base)

    word_pinyin = _join(
        _take([y for _, y in _WORD_FIRST], first), _take([y for _, y in _WORD_SECOND], second)
    )
    scope_slug = _take([y for _, y in scope_vocab], scope)
    return _str(names), word_pinyin, scope_slug


def _contacts(
    n: int, rng: np.random.Generator, p: SampleProfile, word_pinyin: pa.Array, scope: pa.Array
) -> tuple[pd.Series, pd.Series]:
    """Contact person names (联系人) and their email addresses."""
    surname_weights = 1.0 / np.arange(1, len(_SURNAMES) + 1) ** p.surname_zipf
    surname = rng.choice(len(_SURNAMES), size=n, p=surname_weights / surname_weights.sum())
    given1 = rng.integers(0, len(_GIVEN), n)
    # index len(_GIVEN) is the empty second character of a one-character given name
    given2 = np.where(
        rng.random(n) < p.single_given_name_share, len(_GIVEN), rng.integers(0, len(_GIVEN), n)
    )
    given_han = [c for c, _ in _GIVEN] + [""]
    given_py = [y for _, y in _GIVEN] + [""]
    contact = _join(
        _take([c for c, _ in _SURNAMES], surname),
        _take(given_han, given1),
        _take(given_han, given2),
    )

    sur_py = _take([y for _, y in _SURNAMES], surname)
    full = _join(sur_py, _take(given_py, given1), _take(given_py, given2))
    initials = _join(
        pc.utf8_slice_codeunits(sur_py, 0, 1),
        pc.utf8_slice_codeunits(_take(given_py, given1), 0, 1),
        pc.utf8_slice_codeunits(_take(given_py, given2), 0, 1),
    )
    tld = rng.choice(len(p.corporate_tld_shares), size=n, p=[t[1] for t in p.corporate_tld_shares])
    domain = _join(word_pinyin, "-", scope, _take([t for t, _ in p.corporate_tld_shares], tld))
    qq_number = pc.cast(pa.array(rng.integers(10_000, 3_000_000_000, n)), pa.large_string())
    netease = _join(full, pc.cast(pa.array(rng.integers(1970, 2005, n)), pa.large_string()))
    kind = rng.choice(4, size=n, p=list(p.email_kind_shares))
    local = pc.case_when(
        pc.make_struct(*(pa.array(kind == k) for k in range(3))),
        full,
        initials,
        qq_number,
        netease,
    )
    host = pc.case_when(
        pc.make_struct(pa.array(kind <= 1), pa.array(kind == 2)),
        domain,
        pa.scalar("qq.com", pa.large_string()),
        pa.scalar("163.com", pa.large_string()),
    )
    email = _join(local, "@", host)
    return _str(contact), _str(email)


def _ids(n: int) -> pd.Series:
    """Customer ids C000001, ... zero padded to fit n (at least six digits)."""
    width = max(6, len(str(n)))
    return _str(_fixed_width(b"C", np.arange(1, n + 1), width))


def _phones(n: int, rng: np.random.Generator, p: SampleProfile) -> pd.Series:
    """Mainland mobile numbers: 1, a second digit 3-9, nine more digits."""
    second = rng.choice(
        [d for d, _ in p.phone_second_digit_shares],
        size=n,
        p=[s for _, s in p.phone_second_digit_shares],
    )
    number = (10 + second) * 1_000_000_000 + rng.integers(0, 1_000_000_000, n)
    return _str(_fixed_width(b"", number, 11))


def _wechat_ids(n: int, rng: np.random.Generator) -> pd.Series:
    """WeChat ids like wx_ab12cd34."""
    alphabet = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789", dtype=np.uint8)
    body = alphabet[rng.integers(0, alphabet.size, (n, 8))]
    prefix = np.broadcast_to(np.frombuffer(b"wx_", dtype=np.uint8), (n, 3))
    return _str(_from_bytes(np.hstack([prefix, body])))


def _fixed_width(prefix: bytes, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded decimal ``numbers``, built from a byte matrix (no Python loop)."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = (numbers[:, None] // powers % 10 + ord("0")).astype(np.uint8)
    head = np.broadcast_to(np.frombuffer(prefix, dtype=np.uint8), (numbers.size, len(prefix)))
    return _from_bytes(np.hstack([head, digits]))


def _from_bytes(matrix: np.ndarray) -> pa.Array:
    """An Arrow string array whose i-th value is the ASCII row ``matrix[i]``."""
    rows, width = matrix.shape
    offsets = np.arange(0, (rows + 1) * width, width, dtype=np.int64)
    data = np.ascontiguousarray(matrix, dtype=np.uint8)
    return pa.LargeStringArray.from_buffers(rows, pa.py_buffer(offsets), pa.py_buffer(data))


def _join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of Arrow string arrays and literal strings."""
    items = [pa.scalar(x, pa.large_string()) if isinstance(x, str) else x for x in parts]
    return pc.binary_join_element_wise(*items, pa.scalar("", pa.large_string()))


def _take(vocab, idx: np.ndarray) -> pa.Array:
    return pa.array(list(vocab), pa.large_string()).take(pa.array(idx))


def _str(values: pa.Array) -> pd.Series:
    return pd.Series(values.to_pandas(), dtype="str")
