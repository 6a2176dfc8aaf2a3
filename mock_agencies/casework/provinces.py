"""Thailand's 77 provinces (ISO 3166-2:TH), and the province of a Thai address. Pure: no I/O.

An agency routes a case to the office serving the applicant's province (R-10.5). The province
comes from an explicit `TH-nn` code when the caller sends one, otherwise from the registered
address text: a DOPA address ends with "จังหวัด<name>" (or "กรุงเทพมหานคร" in Bangkok).
"""

from __future__ import annotations

import re

_TABLE = """
10 กรุงเทพมหานคร Bangkok
11 สมุทรปราการ Samut Prakan
12 นนทบุรี Nonthaburi
13 ปทุมธานี Pathum Thani
14 พระนครศรีอยุธยา Phra Nakhon Si Ayutthaya
15 อ่างทอง Ang Thong
16 ลพบุรี Lop Buri
17 สิงห์บุรี Sing Buri
18 ชัยนาท Chai Nat
19 สระบุรี Saraburi
20 ชลบุรี Chon Buri
21 ระยอง Rayong
22 จันทบุรี Chanthaburi
23 ตราด Trat
24 ฉะเชิงเทรา Chachoengsao
25 ปราจีนบุรี Prachin Buri
26 นครนายก Nakhon Nayok
27 สระแก้ว Sa Kaeo
30 นครราชสีมา Nakhon Ratchasima
31 บุรีรัมย์ Buri Ram
32 สุรินทร์ Surin
33 ศรีสะเกษ Si Sa Ket
34 อุบลราชธานี Ubon Ratchathani
35 ยโสธร Yasothon
36 ชัยภูมิ Chaiyaphum
37 อำนาจเจริญ Amnat Charoen
38 บึงกาฬ Bueng Kan
39 หนองบัวลำภู Nong Bua Lam Phu
40 ขอนแก่น Khon Kaen
41 อุดรธานี Udon Thani
42 เลย Loei
43 หนองคาย Nong Khai
44 มหาสารคาม Maha Sarakham
45 ร้อยเอ็ด Roi Et
46 กาฬสินธุ์ Kalasin
47 สกลนคร Sakon Nakhon
48 นครพนม Nakhon Phanom
49 มุกดาหาร Mukdahan
50 เชียงใหม่ Chiang Mai
51 ลำพูน Lamphun
52 ลำปาง Lampang
53 อุตรดิตถ์ Uttaradit
54 แพร่ Phrae
55 น่าน Nan
56 พะเยา Phayao
57 เชียงราย Chiang Rai
58 แม่ฮ่องสอน Mae Hong Son
60 นครสวรรค์ Nakhon Sawan
61 อุทัยธานี Uthai Thani
62 กำแพงเพชร Kamphaeng Phet
63 ตาก Tak
64 สุโขทัย Sukhothai
65 พิษณุโลก Phitsanulok
66 พิจิตร Phichit
67 เพชรบูรณ์ Phetchabun
70 ราชบุรี Ratchaburi
71 กาญจนบุรี Kanchanaburi
72 สุพรรณบุรี Suphan Buri
73 นครปฐม Nakhon Pathom
74 สมุทรสาคร Samut Sakhon
75 สมุทรสงคราม Samut Songkhram
76 เพชรบุรี Phetchaburi
77 ประจวบคีรีขันธ์ Prachuap Khiri Khan
80 นครศรีธรรมราช Nakhon Si Thammarat
81 กระบี่ Krabi
82 พังงา Phangnga
83 ภูเก็ต Phuket
84 สุราษฎร์ธานี Surat Thani
85 ระนอง Ranong
86 ชุมพร Chumphon
90 สงขลา Songkhla
91 สตูล Satun
92 ตรัง Trang
93 พัทลุง Phatthalung
94 ปัตตานี Pattani
95 ยะลา Yala
96 นราธิวาส Narathiwat
"""

#: ISO code → (Thai name, English name)
PROVINCES: dict[str, tuple[str, str]] = {
    f"TH-{number}": (th, en)
    for number, th, en in (line.split(maxsplit=2) for line in _TABLE.strip().splitlines())
}
BANGKOK = "TH-10"
_ISO = re.compile(r"^TH-[0-9]{2}$")
_BANGKOK_NAMES = ("กรุงเทพมหานคร", "กรุงเทพฯ", "กรุงเทพ", "กทม.")
# "จังหวัด<name>": the registered address's own marker, tried before any bare name.
_MARKED = re.compile(
    "จังหวัด(" + "|".join(sorted((th for th, _ in PROVINCES.values()), key=len, reverse=True)) + ")"
)
_BY_THAI = {th: iso for iso, (th, _) in PROVINCES.items()}
_BY_ENGLISH = {en.lower(): iso for iso, (_, en) in PROVINCES.items()}
_BARE = re.compile(
    "|".join(
        [re.escape(name) for name in sorted(_BY_THAI, key=len, reverse=True)]
        + [r"\b" + re.escape(name) + r"\b" for name in sorted(_BY_ENGLISH, key=len, reverse=True)]
    ),
    re.IGNORECASE,
)


def province_code(value: object) -> str | None:
    """`value` when it is a known province code such as "TH-50", else None."""
    if isinstance(value, str) and _ISO.match(value) and value in PROVINCES:
        return value
    return None


def province_of_address(address: str | None) -> str | None:
    """The province a Thai (or English) address names, or None when it names none."""
    if not address:
        return None
    marked = list(_MARKED.finditer(address))
    if marked:
        return _BY_THAI[marked[-1].group(1)]
    if any(name in address for name in _BANGKOK_NAMES):
        return BANGKOK
    # The province comes last in an address: prefer the last name mentioned.
    bare = list(_BARE.finditer(address))
    if not bare:
        return None
    name = bare[-1].group(0)
    return _BY_THAI.get(name) or _BY_ENGLISH.get(name.lower())
