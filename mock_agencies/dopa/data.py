"""Static tables the synthetic population is drawn from: Thai names and house-registration places.

Names are common Thai given names and surnames with the romanisation a registrar would plausibly
have put on the card (popular spellings such as "Boon", "Jaidee", not strict RTGS, as on real
cards). Places are real provinces (ISO 3166-2:TH codes, which are also the two-digit province
codes inside a national ID), real districts (amphoe; khet in Bangkok) and real subdistricts
(tambon; khwaeng in Bangkok) with their postcodes. Province weights follow the registered
population roughly, in hundreds of thousands.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Name:
    th: str
    en: str


@dataclass(frozen=True, slots=True)
class Subdistrict:
    th: str
    en: str
    postcode: str


@dataclass(frozen=True, slots=True)
class District:
    th: str
    en: str
    subdistricts: tuple[Subdistrict, ...]


@dataclass(frozen=True, slots=True)
class Province:
    th: str
    en: str
    iso: str  # ISO 3166-2:TH, e.g. "TH-50"
    weight: int
    districts: tuple[District, ...]

    @property
    def code(self) -> str:
        """The two-digit DOPA province code (the ISO subdivision number)."""
        return self.iso.removeprefix("TH-")

    @property
    def is_bangkok(self) -> bool:
        return self.iso == "TH-10"


def _names(pairs: str) -> tuple[Name, ...]:
    """One name a line: Thai, a space, then the romanisation."""
    rows = (line.split(maxsplit=1) for line in pairs.strip().splitlines())
    return tuple(Name(th, en.strip()) for th, en in rows)


MALE_GIVEN_NAMES = _names("""
สมชาย Somchai
สมศักดิ์ Somsak
ประเสริฐ Prasert
วิชัย Wichai
สุรชัย Surachai
อนุชา Anucha
ธนากร Thanakorn
ณัฐพล Nattaphon
กิตติพงษ์ Kittiphong
ชัยวัฒน์ Chaiwat
ปิยะ Piya
วีระ Weera
สุรเชษฐ์ Surachet
อภิชาติ Aphichat
ธีรวัฒน์ Theerawat
พงศกร Phongsakorn
ศุภชัย Supachai
ภานุวัฒน์ Phanuwat
เอกชัย Ekkachai
สุทธิพงษ์ Sutthiphong
ณรงค์ Narong
บุญมี Boonmee
สมบัติ Sombat
ชาตรี Chatree
อำนาจ Amnat
ทองดี Thongdee
นพดล Noppadon
วรวุฒิ Worawut
ธนวัฒน์ Thanawat
ปกรณ์ Pakorn
ศักดิ์ชัย Sakchai
ยุทธนา Yutthana
สุริยา Suriya
อดิศักดิ์ Adisak
กฤษดา Kritsada
เกียรติศักดิ์ Kiattisak
วัชระ Watchara
ธีรภัทร Teerapat
ภัทรพล Phattharaphon
ณัฐวุฒิ Natthawut
ศิวกร Siwakorn
พีรพัฒน์ Peeraphat
ชยพล Chayaphon
รัฐพล Ratthaphon
ปวริศ Pawarit
ธนภัทร Thanaphat
สิทธิชัย Sitthichai
มานพ Manop
สมพงษ์ Somphong
บุญเลิศ Boonlert
ประสิทธิ์ Prasit
วิโรจน์ Wirot
สุนทร Sunthorn
เฉลิม Chalerm
ไพโรจน์ Pairoj
""")

FEMALE_GIVEN_NAMES = _names("""
สมหญิง Somying
มาลี Malee
สุดา Suda
วันเพ็ญ Wanphen
กาญจนา Kanchana
ปราณี Pranee
สุภาพร Supaporn
ศิริพร Siriporn
อรุณี Arunee
นงลักษณ์ Nongluck
วิไลวรรณ Wilaiwan
จันทร์เพ็ญ Chanphen
พรทิพย์ Pornthip
รัตนา Rattana
บุญเรือน Boonruean
ทองใบ Thongbai
สมศรี Somsri
บุษบา Butsaba
ประไพ Praphai
อัญชลี Anchalee
ณัฐธิดา Natthida
ชนิดา Chanida
ปิยะนุช Piyanut
สุนิสา Sunisa
จิราพร Jiraporn
กนกวรรณ Kanokwan
ธิดารัตน์ Thidarat
พัชรี Patcharee
วรรณา Wanna
อารีรัตน์ Areerat
ศศิธร Sasithorn
ณัฐชา Natcha
ปวีณา Paweena
ชลธิชา Chonthicha
พิมพ์ชนก Pimchanok
ธนพร Thanaporn
กมลชนก Kamonchanok
ภัทรา Phattra
เบญจมาศ Benchamat
ศิริลักษณ์ Sirilak
นภัสสร Naphatsorn
จารุวรรณ Jaruwan
สุกัญญา Sukanya
ดวงใจ Duangjai
นันทนา Nanthana
ลำดวน Lamduan
เยาวลักษณ์ Yaowalak
ณิชาภัทร Nichaphat
ธัญญารัตน์ Thanyarat
มณีรัตน์ Maneerat
อำไพ Amphai
บังอร Bang-on
ทิพวรรณ Thippawan
ขวัญใจ Khwanjai
""")

SURNAMES = _names("""
ใจดี Jaidee
รักไทย Rakthai
ศรีสุข Srisuk
แสงทอง Saengthong
บุญมา Boonma
ทองคำ Thongkham
สุขสวัสดิ์ Suksawat
วงศ์สวัสดิ์ Wongsawat
พรหมมา Phromma
จันทร์แก้ว Chankaew
แก้วมณี Kaewmanee
ศรีวงศ์ Sriwong
สมบูรณ์ Somboon
ประเสริฐสุข Prasertsuk
มั่นคง Mankhong
เจริญผล Charoenphon
เจริญสุข Charoensuk
บุญเรือง Boonruang
สายทอง Saithong
อินทร์แก้ว Inkaew
ปัญญาดี Panyadee
วิเศษสุวรรณ Wisetsuwan
กิตติวงศ์ Kittiwong
รุ่งเรือง Rungruang
สุวรรณรัตน์ Suwannarat
ชัยมงคล Chaimongkol
พึ่งบุญ Phuengboon
มีสุข Meesuk
ดวงดี Duangdee
นาคสุข Naksuk
บุญประเสริฐ Boonprasert
ทองมา Thongma
สุขเจริญ Sukcharoen
อ่อนศรี Onsri
พันธุ์ดี Phandee
คงเจริญ Khongcharoen
ศรีประเสริฐ Sriprasert
เพชรรัตน์ Phetcharat
หอมจันทร์ Homchan
สิงห์ทอง Singthong
วงศ์ใหญ่ Wongyai
ชูศรี Chusri
บัวทอง Buathong
ผลดี Phondee
ยิ้มแย้ม Yimyaem
เรืองศรี Ruangsri
ทองสุข Thongsuk
เกษมสุข Kasemsuk
พูลสวัสดิ์ Poonsawat
ธนากุล Thanakul
ศิริวัฒน์ Siriwat
อุดมสุข Udomsuk
วัฒนชัย Watthanachai
แซ่ตั้ง Sae-tang
แซ่ลิ้ม Sae-lim
ตั้งจิตต์ Tangchit
ลิ้มประเสริฐ Limprasert
เลิศวิไล Lertwilai
คำแสน Khamsaen
ไชยวงศ์ Chaiyawong
ปัญญาวงศ์ Panyawong
อินทวงศ์ Inthawong
มูลเมือง Moonmuang
บุญยืน Boonyuen
พรมวงศ์ Promwong
หมื่นศรี Muensri
นามวงศ์ Namwong
ทองเพชร Thongphet
แก้วประเสริฐ Kaewprasert
สุขประเสริฐ Sukprasert
""")


def _district(th: str, en: str, subdistricts: str) -> District:
    """Subdistricts one a line: Thai name | English name | postcode."""
    rows = [
        [part.strip() for part in line.split("|")] for line in subdistricts.strip().splitlines()
    ]
    return District(th, en, tuple(Subdistrict(t, e, p) for t, e, p in rows))


PROVINCES: tuple[Province, ...] = (
    Province("กรุงเทพมหานคร", "Bangkok", "TH-10", 55, (
        _district("ปทุมวัน", "Pathum Wan", """
            ลุมพินี | Lumphini | 10330
            ปทุมวัน | Pathum Wan | 10330
            รองเมือง | Rong Mueang | 10330
            วังใหม่ | Wang Mai | 10330"""),
        _district("บางรัก", "Bang Rak", """
            สีลม | Si Lom | 10500
            สุริยวงศ์ | Suriyawong | 10500
            มหาพฤฒาราม | Maha Phruettharam | 10500
            สี่พระยา | Si Phraya | 10500"""),
        _district("จตุจักร", "Chatuchak", """
            ลาดยาว | Lat Yao | 10900
            จอมพล | Chom Phon | 10900
            จันทรเกษม | Chan Kasem | 10900
            เสนานิคม | Sena Nikhom | 10900"""),
        _district("พระนคร", "Phra Nakhon", """
            พระบรมมหาราชวัง | Phra Borom Maha Ratchawang | 10200
            ชนะสงคราม | Chana Songkhram | 10200
            บวรนิเวศ | Bowon Niwet | 10200"""),
        _district("บางกะปิ", "Bang Kapi", """
            คลองจั่น | Khlong Chan | 10240
            หัวหมาก | Hua Mak | 10240"""),
        _district("ห้วยขวาง", "Huai Khwang", """
            ห้วยขวาง | Huai Khwang | 10310
            สามเสนนอก | Sam Sen Nok | 10310"""),
        _district("บางเขน", "Bang Khen", """
            อนุสาวรีย์ | Anusawari | 10220
            ท่าแร้ง | Tha Raeng | 10220"""),
        _district("ราชเทวี", "Ratchathewi", """
            ถนนพญาไท | Thanon Phaya Thai | 10400
            ทุ่งพญาไท | Thung Phaya Thai | 10400
            มักกะสัน | Makkasan | 10400"""),
    )),
    Province("สมุทรปราการ", "Samut Prakan", "TH-11", 14, (
        _district("เมืองสมุทรปราการ", "Mueang Samut Prakan", """
            ปากน้ำ | Pak Nam | 10270
            สำโรงเหนือ | Samrong Nuea | 10270
            บางเมือง | Bang Mueang | 10270"""),
        _district("บางพลี", "Bang Phli", """
            บางพลีใหญ่ | Bang Phli Yai | 10540
            บางแก้ว | Bang Kaeo | 10540
            ราชาเทวะ | Racha Thewa | 10540"""),
        _district("พระประแดง", "Phra Pradaeng", """
            ตลาด | Talat | 10130
            บางจาก | Bang Chak | 10130"""),
    )),
    Province("นนทบุรี", "Nonthaburi", "TH-12", 13, (
        _district("เมืองนนทบุรี", "Mueang Nonthaburi", """
            สวนใหญ่ | Suan Yai | 11000
            ตลาดขวัญ | Talat Khwan | 11000
            บางกระสอ | Bang Kraso | 11000
            ท่าทราย | Tha Sai | 11000"""),
        _district("ปากเกร็ด", "Pak Kret", """
            ปากเกร็ด | Pak Kret | 11120
            บางตลาด | Bang Talat | 11120
            คลองเกลือ | Khlong Kluea | 11120"""),
        _district("บางบัวทอง", "Bang Bua Thong", """
            โสนลอย | Sano Loi | 11110
            บางรักพัฒนา | Bang Rak Phatthana | 11110"""),
        _district("บางใหญ่", "Bang Yai", """
            บางแม่นาง | Bang Mae Nang | 11140
            เสาธงหิน | Sao Thong Hin | 11140"""),
    )),
    Province("ปทุมธานี", "Pathum Thani", "TH-13", 12, (
        _district("เมืองปทุมธานี", "Mueang Pathum Thani", """
            บางปรอก | Bang Prok | 12000
            บ้านใหม่ | Ban Mai | 12000"""),
        _district("คลองหลวง", "Khlong Luang", """
            คลองหนึ่ง | Khlong Nueng | 12120
            คลองสอง | Khlong Song | 12120"""),
        _district("ธัญบุรี", "Thanyaburi", """
            รังสิต | Rangsit | 12110
            ประชาธิปัตย์ | Prachathipat | 12130"""),
        _district("ลำลูกกา", "Lam Luk Ka", """
            ลาดสวาย | Lat Sawai | 12150"""),
    )),
    Province("พระนครศรีอยุธยา", "Phra Nakhon Si Ayutthaya", "TH-14", 8, (
        _district("พระนครศรีอยุธยา", "Phra Nakhon Si Ayutthaya", """
            ประตูชัย | Pratu Chai | 13000
            หอรัตนไชย | Ho Rattanachai | 13000
            หัวรอ | Hua Ro | 13000"""),
        _district("บางปะอิน", "Bang Pa-in", """
            บ้านเลน | Ban Len | 13160
            บ้านกรด | Ban Krot | 13160"""),
        _district("อุทัย", "Uthai", """
            อุทัย | Uthai | 13210"""),
    )),
    Province("ชลบุรี", "Chon Buri", "TH-20", 16, (
        _district("เมืองชลบุรี", "Mueang Chon Buri", """
            บางปลาสร้อย | Bang Pla Soi | 20000
            เสม็ด | Samet | 20000
            บ้านสวน | Ban Suan | 20000"""),
        _district("บางละมุง", "Bang Lamung", """
            หนองปรือ | Nong Prue | 20150
            นาเกลือ | Na Kluea | 20150
            บางละมุง | Bang Lamung | 20150"""),
        _district("ศรีราชา", "Si Racha", """
            ศรีราชา | Si Racha | 20110
            สุรศักดิ์ | Surasak | 20110"""),
        _district("สัตหีบ", "Sattahip", """
            สัตหีบ | Sattahip | 20180"""),
    )),
    Province("ระยอง", "Rayong", "TH-21", 7, (
        _district("เมืองระยอง", "Mueang Rayong", """
            ท่าประดู่ | Tha Pradu | 21000
            เชิงเนิน | Choeng Noen | 21000
            เนินพระ | Noen Phra | 21000"""),
        _district("บ้านฉาง", "Ban Chang", """
            บ้านฉาง | Ban Chang | 21130"""),
        _district("แกลง", "Klaeng", """
            ทางเกวียน | Thang Kwian | 21110"""),
    )),
    Province("นครราชสีมา", "Nakhon Ratchasima", "TH-30", 26, (
        _district("เมืองนครราชสีมา", "Mueang Nakhon Ratchasima", """
            ในเมือง | Nai Mueang | 30000
            โพธิ์กลาง | Pho Klang | 30000
            หัวทะเล | Hua Thale | 30000
            สุรนารี | Suranari | 30000"""),
        _district("ปากช่อง", "Pak Chong", """
            ปากช่อง | Pak Chong | 30130
            หนองสาหร่าย | Nong Sarai | 30130"""),
        _district("พิมาย", "Phimai", """
            ในเมือง | Nai Mueang | 30110"""),
        _district("สีคิ้ว", "Sikhio", """
            สีคิ้ว | Sikhio | 30140"""),
    )),
    Province("บุรีรัมย์", "Buri Ram", "TH-31", 16, (
        _district("เมืองบุรีรัมย์", "Mueang Buri Ram", """
            ในเมือง | Nai Mueang | 31000
            อิสาณ | Isan | 31000"""),
        _district("นางรอง", "Nang Rong", """
            นางรอง | Nang Rong | 31110"""),
    )),
    Province("อุบลราชธานี", "Ubon Ratchathani", "TH-34", 19, (
        _district("เมืองอุบลราชธานี", "Mueang Ubon Ratchathani", """
            ในเมือง | Nai Mueang | 34000
            แจระแม | Chaeramae | 34000
            ขามใหญ่ | Kham Yai | 34000"""),
        _district("วารินชำราบ", "Warin Chamrap", """
            วารินชำราบ | Warin Chamrap | 34190
            ธาตุ | That | 34190"""),
        _district("เดชอุดม", "Det Udom", """
            เมืองเดช | Mueang Det | 34160"""),
    )),
    Province("ขอนแก่น", "Khon Kaen", "TH-40", 18, (
        _district("เมืองขอนแก่น", "Mueang Khon Kaen", """
            ในเมือง | Nai Mueang | 40000
            ศิลา | Sila | 40000
            บ้านเป็ด | Ban Pet | 40000
            สำราญ | Samran | 40000"""),
        _district("บ้านไผ่", "Ban Phai", """
            บ้านไผ่ | Ban Phai | 40110
            ในเมือง | Nai Mueang | 40110"""),
        _district("ชุมแพ", "Chum Phae", """
            ชุมแพ | Chum Phae | 40130"""),
        _district("น้ำพอง", "Nam Phong", """
            น้ำพอง | Nam Phong | 40140"""),
    )),
    Province("อุดรธานี", "Udon Thani", "TH-41", 16, (
        _district("เมืองอุดรธานี", "Mueang Udon Thani", """
            หมากแข้ง | Mak Khaeng | 41000
            หนองบัว | Nong Bua | 41000
            บ้านเลื่อม | Ban Lueam | 41000"""),
        _district("กุมภวาปี", "Kumphawapi", """
            กุมภวาปี | Kumphawapi | 41110"""),
    )),
    Province("เชียงใหม่", "Chiang Mai", "TH-50", 18, (
        _district("เมืองเชียงใหม่", "Mueang Chiang Mai", """
            ศรีภูมิ | Si Phum | 50200
            พระสิงห์ | Phra Sing | 50200
            สุเทพ | Suthep | 50200
            ช้างเผือก | Chang Phueak | 50300
            ช้างคลาน | Chang Khlan | 50100
            วัดเกต | Wat Ket | 50000
            หนองหอย | Nong Hoi | 50000"""),
        _district("หางดง", "Hang Dong", """
            หางดง | Hang Dong | 50230
            หนองแก๋ว | Nong Kaeo | 50230
            บ้านแหวน | Ban Waen | 50230"""),
        _district("แม่ริม", "Mae Rim", """
            ริมใต้ | Rim Tai | 50180
            ริมเหนือ | Rim Nuea | 50180
            แม่แรม | Mae Raem | 50180"""),
        _district("สันทราย", "San Sai", """
            สันทรายหลวง | San Sai Luang | 50210
            สันทรายน้อย | San Sai Noi | 50210"""),
        _district("สันกำแพง", "San Kamphaeng", """
            สันกำแพง | San Kamphaeng | 50130
            ต้นเปา | Ton Pao | 50130"""),
    )),
    Province("ลำปาง", "Lampang", "TH-52", 7, (
        _district("เมืองลำปาง", "Mueang Lampang", """
            หัวเวียง | Hua Wiang | 52000
            เวียงเหนือ | Wiang Nuea | 52000
            สบตุ๋ย | Sop Tui | 52100
            สวนดอก | Suan Dok | 52100"""),
        _district("เกาะคา", "Ko Kha", """
            ลำปางหลวง | Lampang Luang | 52130
            เกาะคา | Ko Kha | 52130"""),
    )),
    Province("เชียงราย", "Chiang Rai", "TH-57", 13, (
        _district("เมืองเชียงราย", "Mueang Chiang Rai", """
            เวียง | Wiang | 57000
            รอบเวียง | Rop Wiang | 57000
            บ้านดู่ | Ban Du | 57100"""),
        _district("แม่สาย", "Mae Sai", """
            แม่สาย | Mae Sai | 57130
            เวียงพางคำ | Wiang Phang Kham | 57130"""),
        _district("เชียงแสน", "Chiang Saen", """
            เวียง | Wiang | 57150"""),
    )),
    Province("นครสวรรค์", "Nakhon Sawan", "TH-60", 10, (
        _district("เมืองนครสวรรค์", "Mueang Nakhon Sawan", """
            ปากน้ำโพ | Pak Nam Pho | 60000
            นครสวรรค์ตก | Nakhon Sawan Tok | 60000
            นครสวรรค์ออก | Nakhon Sawan Ok | 60000"""),
        _district("ตาคลี", "Takhli", """
            ตาคลี | Takhli | 60140"""),
    )),
    Province("พิษณุโลก", "Phitsanulok", "TH-65", 9, (
        _district("เมืองพิษณุโลก", "Mueang Phitsanulok", """
            ในเมือง | Nai Mueang | 65000
            อรัญญิก | Aranyik | 65000
            ท่าทอง | Tha Thong | 65000"""),
        _district("วังทอง", "Wang Thong", """
            วังทอง | Wang Thong | 65130"""),
    )),
    Province("กาญจนบุรี", "Kanchanaburi", "TH-71", 9, (
        _district("เมืองกาญจนบุรี", "Mueang Kanchanaburi", """
            บ้านเหนือ | Ban Nuea | 71000
            ท่ามะขาม | Tha Makham | 71000"""),
        _district("ท่าม่วง", "Tha Muang", """
            ท่าม่วง | Tha Muang | 71110"""),
    )),
    Province("นครปฐม", "Nakhon Pathom", "TH-73", 9, (
        _district("เมืองนครปฐม", "Mueang Nakhon Pathom", """
            พระปฐมเจดีย์ | Phra Pathom Chedi | 73000
            สนามจันทร์ | Sanam Chan | 73000"""),
        _district("สามพราน", "Sam Phran", """
            สามพราน | Sam Phran | 73110
            ยายชา | Yai Cha | 73110"""),
        _district("พุทธมณฑล", "Phutthamonthon", """
            ศาลายา | Salaya | 73170"""),
    )),
    Province("นครศรีธรรมราช", "Nakhon Si Thammarat", "TH-80", 15, (
        _district("เมืองนครศรีธรรมราช", "Mueang Nakhon Si Thammarat", """
            ในเมือง | Nai Mueang | 80000
            คลัง | Khlang | 80000
            โพธิ์เสด็จ | Pho Sadet | 80000"""),
        _district("ทุ่งสง", "Thung Song", """
            ปากแพรก | Pak Phraek | 80110"""),
        _district("ปากพนัง", "Pak Phanang", """
            ปากพนัง | Pak Phanang | 80140"""),
    )),
    Province("ภูเก็ต", "Phuket", "TH-83", 4, (
        _district("เมืองภูเก็ต", "Mueang Phuket", """
            ตลาดใหญ่ | Talat Yai | 83000
            ตลาดเหนือ | Talat Nuea | 83000
            วิชิต | Wichit | 83000
            ราไวย์ | Rawai | 83130"""),
        _district("กะทู้", "Kathu", """
            กะทู้ | Kathu | 83120
            ป่าตอง | Patong | 83150"""),
        _district("ถลาง", "Thalang", """
            เทพกระษัตรี | Thep Krasattri | 83110
            ศรีสุนทร | Si Sunthon | 83110"""),
    )),
    Province("สุราษฎร์ธานี", "Surat Thani", "TH-84", 11, (
        _district("เมืองสุราษฎร์ธานี", "Mueang Surat Thani", """
            ตลาด | Talat | 84000
            มะขามเตี้ย | Makham Tia | 84000
            บางกุ้ง | Bang Kung | 84000"""),
        _district("พุนพิน", "Phunphin", """
            ท่าข้าม | Tha Kham | 84130"""),
        _district("เกาะสมุย", "Ko Samui", """
            อ่างทอง | Ang Thong | 84140"""),
    )),
    Province("สงขลา", "Songkhla", "TH-90", 14, (
        _district("เมืองสงขลา", "Mueang Songkhla", """
            บ่อยาง | Bo Yang | 90000
            เขารูปช้าง | Khao Rup Chang | 90000"""),
        _district("หาดใหญ่", "Hat Yai", """
            หาดใหญ่ | Hat Yai | 90110
            คอหงส์ | Kho Hong | 90110
            คลองแห | Khlong Hae | 90110"""),
        _district("สะเดา", "Sadao", """
            สะเดา | Sadao | 90120"""),
    )),
)  # fmt: skip

PROVINCES_BY_ISO = {province.iso: province for province in PROVINCES}
