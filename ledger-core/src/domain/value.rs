//! The domain's value types, each validated once when it is parsed from a payload.
//!
//! Every type here has private fields and a `parse` constructor returning the reason for a
//! refusal as a plain sentence; the domain's payload reader (`domain::payload`) turns that
//! into a `payload-invalid` refusal naming the field. The rest of the domain trusts these
//! values.

use std::fmt;

// Codes are copied into many keys of the domain state and the projections (every assessment
// names its learner, school, class and subject): held inline (up to 23 bytes, every real code)
// they cost no allocation to create or clone. Longer codes share one allocation.
use smol_str::SmolStr;

use crate::rules::level::{CommentResult, Level};
use crate::rules::score::Score;

/// Longest unit code, learner code, class name, subject code or grant id, in bytes.
pub const CODE_SIZE_MAX: usize = 64;

/// Longest unit name or free-text reason, in bytes.
pub const TEXT_SIZE_MAX: usize = 1_000;

fn check_code(text: &str, extra: &[char], what: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err(format!("{what} must not be empty"));
    }
    if text.len() > CODE_SIZE_MAX {
        return Err(format!(
            "{what} is {} bytes long, at most {CODE_SIZE_MAX} are allowed",
            text.len()
        ));
    }
    if let Some(bad) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || extra.contains(c)))
    {
        return Err(format!("{what} contains {bad:?}, which is not allowed"));
    }
    Ok(())
}

macro_rules! code_type {
    ($(#[$doc:meta])* $name:ident, $what:literal, $extra:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        pub struct $name(SmolStr);

        impl $name {
            /// Checks and wraps the text.
            ///
            /// # Errors
            /// A sentence saying what is wrong when the text breaks the type's rule.
            pub fn parse(text: &str) -> Result<Self, String> {
                check_code(text, $extra, $what)?;
                Ok(Self(SmolStr::new(text)))
            }

            /// The text.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(text: &str) -> Result<Self, String> {
                Self::parse(text)
            }
        }
    };
}

code_type!(
    /// A sector code of an administrative unit or school (mã đơn vị): ASCII letters, digits,
    /// `_` and `-`, 1 to 64 bytes. Permanent: never reused, never deleted.
    UnitCode,
    "a unit code",
    &['_', '-']
);
code_type!(
    /// A lifelong learner code (mã người học): ASCII letters and digits, 1 to 64 bytes.
    LearnerCode,
    "a learner code",
    &[]
);
code_type!(
    /// A class name within a school and school year (`10A1`): ASCII letters, digits, `_`, `.`
    /// and `-`, 1 to 64 bytes.
    ClassName,
    "a class name",
    &['_', '.', '-']
);
code_type!(
    /// A grant's id, chosen by the grantor: ASCII letters, digits, `_`, `.`, `:` and `-`, 1 to
    /// 64 bytes, unique in the log.
    GrantId,
    "a grant id",
    &['_', '.', ':', '-']
);
code_type!(
    /// The identifier of an electronic copy or extract (`copy.issued`), chosen by the issuing
    /// school: ASCII letters, digits, `_`, `.`, `:` and `-`, 1 to 64 bytes, unique in the log.
    CopyId,
    "a copy id",
    &['_', '.', ':', '-']
);

/// A subject code within a class (`toan`, `ngu_van`, `gdtc`): lowercase ASCII letters, digits
/// and `_`, starting with a letter, 1 to 64 bytes.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct SubjectCode(SmolStr);

impl SubjectCode {
    /// Checks and wraps the text.
    ///
    /// # Errors
    /// A sentence saying what is wrong when the text breaks the rule.
    pub fn parse(text: &str) -> Result<Self, String> {
        check_code(text, &['_'], "a subject code")?;
        if !text.starts_with(|c: char| c.is_ascii_lowercase())
            || text.chars().any(|c| c.is_ascii_uppercase())
        {
            return Err(
                "a subject code must start with a lowercase letter and use no capitals".to_owned(),
            );
        }
        Ok(Self(SmolStr::new(text)))
    }

    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for SubjectCode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Self::parse(text)
    }
}

impl std::str::FromStr for SchoolYear {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Self::parse(text)
    }
}

impl fmt::Display for SubjectCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A school year (năm học) such as `2026-2027`: two consecutive years from 2000 to 2999.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct SchoolYear(u16);

impl SchoolYear {
    /// The earliest school year, 2000-2001.
    pub const MIN: SchoolYear = SchoolYear(2000);

    /// Parses `YYYY-YYYY` where the second year is the first plus one.
    ///
    /// # Errors
    /// A sentence saying what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?} is not a school year like \"2026-2027\"");
        let (first, second) = text.split_once('-').ok_or_else(bad)?;
        let first = parse_digits(first, 4).ok_or_else(bad)?;
        let second = parse_digits(second, 4).ok_or_else(bad)?;
        if !(2000..=2998).contains(&first) || second != first + 1 {
            return Err(bad());
        }
        Ok(Self(u16::try_from(first).map_err(|_| bad())?))
    }

    /// The calendar year in which the school year starts.
    #[must_use]
    pub fn start_year(self) -> u16 {
        self.0
    }
}

impl fmt::Display for SchoolYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.0, self.0 + 1)
    }
}

fn parse_digits(text: &str, len: usize) -> Option<u32> {
    if text.len() != len || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Vietnam's offset from UTC (ICT, UTC+7), in seconds. Vietnam has no daylight saving time.
pub const VIETNAM_UTC_OFFSET_S: i64 = 7 * 3600;

/// A calendar date `YYYY-MM-DD` (years 2000 to 2999), read as a day in Vietnam time (UTC+7).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD`, checking the day exists (leap years included).
    ///
    /// # Errors
    /// A sentence saying what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?} is not a date like \"2026-09-05\"");
        let mut parts = text.split('-');
        let (Some(y), Some(m), Some(d), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let year = parse_digits(y, 4).ok_or_else(bad)?;
        let month = parse_digits(m, 2).ok_or_else(bad)?;
        let day = parse_digits(d, 2).ok_or_else(bad)?;
        if !(2000..=2999).contains(&year) || !(1..=12).contains(&month) {
            return Err(bad());
        }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if !(1..=days_in_month).contains(&day) {
            return Err(bad());
        }
        Ok(Self {
            year: u16::try_from(year).map_err(|_| bad())?,
            month: u8::try_from(month).map_err(|_| bad())?,
            day: u8::try_from(day).map_err(|_| bad())?,
        })
    }

    /// Days from 1970-01-01 to this date (H. Hinnant's `days_from_civil`).
    fn days_since_epoch(self) -> i64 {
        let month = i64::from(self.month);
        let year = i64::from(self.year) - i64::from(month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let day_of_year =
            (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The first microsecond of this day in Vietnam time, in µs since the Unix epoch.
    #[must_use]
    pub fn start_us(self) -> u64 {
        let seconds = self.days_since_epoch() * 86_400 - VIETNAM_UTC_OFFSET_S;
        // Years are at least 2000, so the value is positive.
        u64::try_from(seconds).unwrap_or(0) * 1_000_000
    }

    /// The first microsecond of the next day in Vietnam time: the exclusive end of this day.
    #[must_use]
    pub fn end_us(self) -> u64 {
        self.start_us() + 86_400 * 1_000_000
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A role that can be held by a key (vai trò).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Role {
    /// The Ministry (Bộ GDĐT): held only by the configured root keys, never granted.
    BoGddt,
    /// Provincial department of education and training (Sở GDĐT).
    SoGddt,
    /// Commune People's Committee as supervisor of its schools (UBND cấp xã).
    UbndXa,
    /// Principal (hiệu trưởng).
    HieuTruong,
    /// Deputy principal (phó hiệu trưởng).
    PhoHieuTruong,
    /// Director of a continuing-education centre (giám đốc trung tâm GDTX).
    GiamDocTrungTam,
    /// Subject teacher (giáo viên bộ môn).
    GvBoMon,
    /// Homeroom teacher (giáo viên chủ nhiệm).
    GvChuNhiem,
    /// Clerk (văn thư).
    VanThu,
    /// Inspector or appointed auditor (thanh tra): reads every record in the scope's units and
    /// signs no school-record event.
    ThanhTra,
    /// A learner (học sinh / học viên): reads their own record, named by the grant, and signs
    /// nothing.
    HocSinh,
    /// A parent or guardian (cha mẹ / người giám hộ): reads the record of the learner the grant
    /// names, and signs nothing.
    PhuHuynh,
}

impl Role {
    /// Every role, in rank order.
    pub const ALL: [Role; 12] = [
        Role::BoGddt,
        Role::SoGddt,
        Role::UbndXa,
        Role::HieuTruong,
        Role::PhoHieuTruong,
        Role::GiamDocTrungTam,
        Role::GvBoMon,
        Role::GvChuNhiem,
        Role::VanThu,
        Role::ThanhTra,
        Role::HocSinh,
        Role::PhuHuynh,
    ];

    /// The role's name on the wire (`hieu_truong`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::BoGddt => "bo_gddt",
            Role::SoGddt => "so_gddt",
            Role::UbndXa => "ubnd_xa",
            Role::HieuTruong => "hieu_truong",
            Role::PhoHieuTruong => "pho_hieu_truong",
            Role::GiamDocTrungTam => "giam_doc_trung_tam",
            Role::GvBoMon => "gv_bo_mon",
            Role::GvChuNhiem => "gv_chu_nhiem",
            Role::VanThu => "van_thu",
            Role::ThanhTra => "thanh_tra",
            Role::HocSinh => "hoc_sinh",
            Role::PhuHuynh => "phu_huynh",
        }
    }

    /// Parses a role's wire name.
    ///
    /// # Errors
    /// A sentence listing the known roles.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| {
                format!(
                    "{text:?} is not a role; the roles are {}",
                    Self::ALL.map(Role::as_str).join(", ")
                )
            })
    }
}

impl Role {
    /// Whether the role reads one learner's record (the grant names the learner) rather than
    /// serving at a unit.
    #[must_use]
    pub fn is_for_one_learner(self) -> bool {
        matches!(self, Role::HocSinh | Role::PhuHuynh)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of unit a unit is.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum UnitKind {
    /// A province or centrally run city (tỉnh / thành phố).
    Province,
    /// A commune or ward (xã / phường / đặc khu).
    Commune,
    /// A lower or upper secondary school (trường THCS / THPT).
    School,
    /// A continuing-education centre (trung tâm GDTX).
    GdtxCentre,
}

impl UnitKind {
    const ALL: [UnitKind; 4] = [
        UnitKind::Province,
        UnitKind::Commune,
        UnitKind::School,
        UnitKind::GdtxCentre,
    ];

    /// The kind's name on the wire.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Province => "province",
            UnitKind::Commune => "commune",
            UnitKind::School => "school",
            UnitKind::GdtxCentre => "gdtx_centre",
        }
    }

    /// Parses a kind's wire name.
    ///
    /// # Errors
    /// A sentence listing the kinds.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| {
                format!("{text:?} is not a unit kind; use province, commune, school or gdtx_centre")
            })
    }

    /// Whether learners are enrolled here (a school or a GDTX centre).
    #[must_use]
    pub fn is_school(self) -> bool {
        matches!(self, UnitKind::School | UnitKind::GdtxCentre)
    }
}

impl fmt::Display for UnitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A semester (học kỳ): 1 or 2.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Semester {
    /// Học kỳ I.
    First,
    /// Học kỳ II.
    Second,
}

impl Semester {
    /// Both semesters, in order.
    pub const BOTH: [Semester; 2] = [Semester::First, Semester::Second];

    /// From the payload's integer.
    ///
    /// # Errors
    /// A sentence when the number is not 1 or 2.
    pub fn from_number(number: u64) -> Result<Self, String> {
        match number {
            1 => Ok(Semester::First),
            2 => Ok(Semester::Second),
            _ => Err(format!("{number} is not a semester; use 1 or 2")),
        }
    }

    /// 1 or 2.
    #[must_use]
    pub fn number(self) -> u8 {
        match self {
            Semester::First => 1,
            Semester::Second => 2,
        }
    }
}

impl fmt::Display for Semester {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "semester {} (học kỳ {})", self.number(), self.number())
    }
}

/// A period that can be sealed (khóa sổ): one semester or the whole school year.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Term {
    /// One semester.
    Semester(Semester),
    /// The whole school year (cả năm).
    Year,
}

impl Term {
    /// Parses `semester_1`, `semester_2` or `year`.
    ///
    /// # Errors
    /// A sentence naming the accepted values.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "semester_1" => Ok(Term::Semester(Semester::First)),
            "semester_2" => Ok(Term::Semester(Semester::Second)),
            "year" => Ok(Term::Year),
            _ => Err(format!(
                "{text:?} is not a term; use semester_1, semester_2 or year"
            )),
        }
    }

    /// Whether sealing this term locks `semester`.
    #[must_use]
    pub fn covers(self, semester: Semester) -> bool {
        match self {
            Term::Semester(own) => own == semester,
            Term::Year => true,
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Term::Semester(semester) => semester.fmt(f),
            Term::Year => f.write_str("the whole year (cả năm)"),
        }
    }
}

/// How a subject is assessed (TT 22 Điều 5).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum SubjectMode {
    /// Scored on the 10-point scale (đánh giá bằng nhận xét kết hợp với điểm số).
    Scored,
    /// Commented, Đạt / Chưa đạt (đánh giá bằng nhận xét).
    Commented,
}

impl SubjectMode {
    /// Parses `scored` or `commented`.
    ///
    /// # Errors
    /// A sentence naming the accepted values.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "scored" => Ok(SubjectMode::Scored),
            "commented" => Ok(SubjectMode::Commented),
            _ => Err(format!("{text:?} is not a mode; use scored or commented")),
        }
    }
}

/// The kind of an assessment (loại đánh giá).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum AssessmentKind {
    /// Regular assessment (đánh giá thường xuyên, ĐĐGtx), in numbered slots.
    Regular,
    /// Mid-term assessment (đánh giá giữa kỳ, ĐĐGgk).
    Midterm,
    /// End-of-term assessment (đánh giá cuối kỳ, ĐĐGck).
    Final,
}

impl AssessmentKind {
    /// Parses `regular`, `midterm` or `final`.
    ///
    /// # Errors
    /// A sentence naming the accepted values.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "regular" => Ok(AssessmentKind::Regular),
            "midterm" => Ok(AssessmentKind::Midterm),
            "final" => Ok(AssessmentKind::Final),
            _ => Err(format!(
                "{text:?} is not an assessment kind; use regular, midterm or final"
            )),
        }
    }

    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AssessmentKind::Regular => "regular",
            AssessmentKind::Midterm => "midterm",
            AssessmentKind::Final => "final",
        }
    }
}

/// A score on the 10-point scale in tenths: `8.5` is 85. Exact; never a float.
///
/// The value is the rule engine's [`Score`]; this type adds the one spelling the ledger
/// accepts on the wire (see [`Tenths::parse`]), stricter than the assess format's.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Tenths(Score);

impl Tenths {
    /// The highest score, 10.
    pub const MAX: Tenths = Tenths(Score::MAX);

    /// Parses `0` to `10` with at most one decimal (`8`, `8.5`, `10.0`); no sign, no leading
    /// zeros (`0.5` is fine, `08` is not), a dot as the decimal separator.
    ///
    /// # Errors
    /// A sentence naming the rule broken.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "{text:?} is not a score: use a number from 0 to 10 with at most one decimal, \
                 like \"8.5\" (điểm từ 0 đến 10, tối đa một chữ số thập phân)"
            )
        };
        // The spelling is checked here; the value and its range are the rule engine's.
        let (whole, tenth) = match text.split_once('.') {
            Some((whole, tenth)) => (whole, Some(tenth)),
            None => (text, None),
        };
        let canonical = parse_digits(whole, whole.len()).is_some()
            && whole.len() <= 2
            && !(whole.len() == 2 && whole.starts_with('0'))
            && tenth.is_none_or(|tenth| parse_digits(tenth, 1).is_some());
        if !canonical {
            return Err(bad());
        }
        text.parse::<Score>().map(Self).map_err(|_| bad())
    }

    /// The score in tenths (0 to 100).
    #[must_use]
    pub fn get(self) -> u8 {
        // A score is at most 100 tenths.
        u8::try_from(self.0.tenths()).unwrap_or(u8::MAX)
    }

    /// The score as the rule engine reads it.
    #[must_use]
    pub fn score(self) -> Score {
        self.0
    }
}

impl From<Tenths> for Score {
    fn from(tenths: Tenths) -> Self {
        tenths.0
    }
}

impl fmt::Display for Tenths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The value of one assessment.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum AssessmentValue {
    /// A score, for scored subjects.
    Scored(Tenths),
    /// Đạt (`Đ`), for commented subjects.
    Passed,
    /// Chưa đạt (`CĐ`), for commented subjects.
    NotPassed,
}

impl AssessmentValue {
    /// Parses a value for a subject assessed in `mode`.
    ///
    /// # Errors
    /// A sentence naming the rule broken.
    pub fn parse(text: &str, mode: SubjectMode) -> Result<Self, String> {
        match mode {
            SubjectMode::Scored => Tenths::parse(text).map(AssessmentValue::Scored),
            SubjectMode::Commented => text
                .parse::<CommentResult>()
                .map(AssessmentValue::from)
                .map_err(|_| {
                    format!(
                        "{text:?} is not a result of a commented subject: use \"Đ\" (Đạt) or \
                         \"CĐ\" (Chưa đạt)"
                    )
                }),
        }
    }

    /// How the subject of this value is assessed.
    #[must_use]
    pub fn mode(self) -> SubjectMode {
        match self {
            AssessmentValue::Scored(_) => SubjectMode::Scored,
            AssessmentValue::Passed | AssessmentValue::NotPassed => SubjectMode::Commented,
        }
    }

    /// The Đ/CĐ result of a commented subject's value; `None` for a score.
    #[must_use]
    pub fn comment(self) -> Option<CommentResult> {
        match self {
            AssessmentValue::Scored(_) => None,
            AssessmentValue::Passed => Some(CommentResult::Dat),
            AssessmentValue::NotPassed => Some(CommentResult::ChuaDat),
        }
    }
}

impl From<CommentResult> for AssessmentValue {
    fn from(result: CommentResult) -> Self {
        match result {
            CommentResult::Dat => AssessmentValue::Passed,
            CommentResult::ChuaDat => AssessmentValue::NotPassed,
        }
    }
}

impl fmt::Display for AssessmentValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AssessmentValue::Scored(tenths) => tenths.fmt(f),
            AssessmentValue::Passed => CommentResult::Dat.fmt(f),
            AssessmentValue::NotPassed => CommentResult::ChuaDat.fmt(f),
        }
    }
}

/// A conduct level (kết quả rèn luyện) set by the homeroom teacher per semester: the rule
/// engine's [`Level`] under the domain's names; its abbreviations are the rule engine's.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum ConductLevel {
    /// Tốt (`T`).
    Good,
    /// Khá (`K`).
    Fair,
    /// Đạt (`Đ`).
    Pass,
    /// Chưa đạt (`CĐ`).
    NotPass,
}

impl ConductLevel {
    /// Parses `T`, `K`, `Đ` or `CĐ`.
    ///
    /// # Errors
    /// A sentence naming the accepted values.
    pub fn parse(text: &str) -> Result<Self, String> {
        text.parse::<Level>().map(ConductLevel::from).map_err(|_| {
            format!("{text:?} is not a conduct level: use \"T\", \"K\", \"Đ\" or \"CĐ\"")
        })
    }

    /// The level on the rule engine's scale.
    #[must_use]
    pub fn level(self) -> Level {
        match self {
            ConductLevel::Good => Level::Tot,
            ConductLevel::Fair => Level::Kha,
            ConductLevel::Pass => Level::Dat,
            ConductLevel::NotPass => Level::ChuaDat,
        }
    }
}

impl From<Level> for ConductLevel {
    fn from(level: Level) -> Self {
        match level {
            Level::Tot => ConductLevel::Good,
            Level::Kha => ConductLevel::Fair,
            Level::Dat => ConductLevel::Pass,
            Level::ChuaDat => ConductLevel::NotPass,
        }
    }
}

impl From<ConductLevel> for Level {
    fn from(level: ConductLevel) -> Self {
        level.level()
    }
}

impl fmt::Display for ConductLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.level().fmt(f)
    }
}

/// A 32-byte digest written as 64 lowercase hex digits (identity commitments, record digests).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Digest([u8; 32]);

impl Digest {
    /// Wraps 32 bytes.
    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Parses 64 lowercase hex digits.
    ///
    /// # Errors
    /// A sentence naming the rule broken.
    pub fn parse_hex(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?} is not 64 lowercase hex digits");
        if text.len() != 64 {
            return Err(bad());
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks(2)) {
            let high = hex_digit(pair[0]).ok_or_else(bad)?;
            let low = hex_digit(pair[1]).ok_or_else(bad)?;
            *byte = high << 4 | low;
        }
        Ok(Self(bytes))
    }

    /// The bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

fn hex_digit(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        _ => None,
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

/// Checks free text (a name, a reason): not blank, at most [`TEXT_SIZE_MAX`] bytes, no control
/// characters.
///
/// # Errors
/// A sentence naming the rule broken.
pub fn check_text(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("it must not be empty".to_owned());
    }
    if text.len() > TEXT_SIZE_MAX {
        return Err(format!(
            "it is {} bytes long, at most {TEXT_SIZE_MAX} are allowed",
            text.len()
        ));
    }
    if text.chars().any(char::is_control) {
        return Err("it must not contain control characters".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_exact_tenths() {
        assert_eq!(Tenths::parse("8.5").map(Tenths::get), Ok(85));
        assert_eq!(Tenths::parse("10").map(Tenths::get), Ok(100));
        assert_eq!(Tenths::parse("10.0").map(Tenths::get), Ok(100));
        assert_eq!(Tenths::parse("0").map(Tenths::get), Ok(0));
        assert_eq!(Tenths::parse("0.5").map(Tenths::get), Ok(5));
        for bad in [
            "10.5", "11", "8.25", "-1", "08", "8,5", "", ".5", "8.", " 8", "1e1", "+8",
        ] {
            assert!(Tenths::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn scores_are_the_rule_engines_in_one_spelling() {
        for tenths in 0..=100u16 {
            let score = Score::from_tenths(tenths).unwrap();
            let text = if tenths % 10 == 0 {
                (tenths / 10).to_string()
            } else {
                score.to_string()
            };
            for text in [text, score.to_string()] {
                let parsed = Tenths::parse(&text).unwrap();
                assert_eq!(parsed.score(), score, "{text}");
                assert_eq!(u16::from(parsed.get()), tenths);
                assert_eq!(parsed.to_string(), score.to_string());
            }
        }
        assert_eq!(Tenths::MAX.score(), Score::MAX);
        // The assess format reads these; the ledger takes one spelling per score.
        for lenient in ["8.50", "-0", "007.0", "00"] {
            assert!(lenient.parse::<Score>().is_ok(), "{lenient}");
            assert!(Tenths::parse(lenient).is_err(), "{lenient} accepted");
        }
    }

    #[test]
    fn levels_and_results_are_the_rule_engines() {
        for level in Level::ALL {
            let conduct = ConductLevel::from(level);
            assert_eq!(conduct.level(), level);
            assert_eq!(conduct.to_string(), level.abbreviation());
            assert_eq!(ConductLevel::parse(level.abbreviation()), Ok(conduct));
        }
        assert_eq!(ConductLevel::from(Level::Tot), ConductLevel::Good);
        assert_eq!(ConductLevel::from(Level::ChuaDat), ConductLevel::NotPass);
        for result in [CommentResult::Dat, CommentResult::ChuaDat] {
            let value = AssessmentValue::from(result);
            assert_eq!(value.comment(), Some(result));
            assert_eq!(value.mode(), SubjectMode::Commented);
            assert_eq!(value.to_string(), result.abbreviation());
            let parsed = AssessmentValue::parse(result.abbreviation(), SubjectMode::Commented);
            assert_eq!(parsed, Ok(value));
        }
        assert_eq!(
            AssessmentValue::parse("K", SubjectMode::Commented),
            Err(
                "\"K\" is not a result of a commented subject: use \"Đ\" (Đạt) or \"CĐ\" \
                 (Chưa đạt)"
                    .to_owned()
            )
        );
        assert_eq!(
            ConductLevel::parse("D"),
            Err("\"D\" is not a conduct level: use \"T\", \"K\", \"Đ\" or \"CĐ\"".to_owned())
        );
    }

    #[test]
    fn dates_are_days_in_vietnam_time() {
        let date = Date::parse("2026-09-05").unwrap();
        // 2026-09-05T00:00:00+07:00 = 2026-09-04T17:00:00Z = 1788541200 s.
        assert_eq!(date.start_us(), 1_788_541_200_000_000);
        assert_eq!(date.end_us() - date.start_us(), 86_400_000_000);
        assert!(Date::parse("2027-02-29").is_err());
        assert!(Date::parse("2028-02-29").is_ok());
        assert!(Date::parse("2026-9-05").is_err());
        assert!(Date::parse("1999-01-01").is_err());
    }

    #[test]
    fn school_years_are_consecutive() {
        assert_eq!(
            SchoolYear::parse("2026-2027").map(|y| y.to_string()),
            Ok("2026-2027".to_owned())
        );
        assert!(SchoolYear::parse("2026-2028").is_err());
        assert!(SchoolYear::parse("2026/2027").is_err());
    }
}
