//! Why the domain refuses an event.
//!
//! Every variant is a *refusal*: the submission breaks a rule of the domain, judged against the
//! state at the log position where it would land. A refused submission is never appended, and
//! the state is unchanged. Each variant has a stable [`code`](DomainError::code), which the HTTP
//! layer turns into its problem type (a 4xx answer, `422 Unprocessable Content` or
//! `403 Forbidden` for the `authority-*` codes); the `Display` text is for a school's IT staff,
//! in English with the Vietnamese term in parentheses, and names the rule. Codes are never
//! reused or renamed; `docs/EVENTS.md` lists them all.

/// A refusal of an event by the domain rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DomainError {
    /// The event type is not one the domain knows (code `event-type-unknown`).
    #[error(
        "unknown event type (loại sự kiện không được hỗ trợ): `{event_type}`; docs/EVENTS.md \
         lists the event types"
    )]
    EventTypeUnknown {
        /// The event type of the submission.
        event_type: String,
    },
    /// The event type is known but not in this schema version (code
    /// `schema-version-unsupported`).
    #[error(
        "the schema version is not supported (phiên bản lược đồ không được hỗ trợ): \
         `{event_type}` version {version}; supported: {supported}"
    )]
    SchemaVersionUnsupported {
        /// The event type.
        event_type: String,
        /// The version submitted.
        version: u32,
        /// The supported versions.
        supported: String,
    },
    /// The payload lacks a field, has an unknown one or one of the wrong JSON type (code
    /// `payload-malformed`).
    #[error("the payload is malformed (dữ liệu sự kiện sai cấu trúc): field `{field}`: {problem}")]
    PayloadMalformed {
        /// The field at fault.
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// A payload field has the right JSON type but breaks its rule (code `payload-invalid`).
    #[error(
        "a payload field is invalid (dữ liệu sự kiện không hợp lệ): field `{field}`: {problem}"
    )]
    PayloadInvalid {
        /// The field at fault.
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// A public key in the payload is not a valid Ed25519 key (code `key-malformed`).
    #[error("the public key is invalid (khóa công khai không hợp lệ): field `{field}`")]
    KeyMalformed {
        /// The field at fault.
        field: &'static str,
    },
    /// A public key in the payload is a weak (small-order) key (code `key-weak`).
    #[error(
        "the public key is a weak Ed25519 key and is refused (khóa công khai yếu): field `{field}`"
    )]
    KeyWeak {
        /// The field at fault.
        field: &'static str,
    },
    /// The position is not after the last applied event: the sequencer's bug, not the
    /// client's (code `position-out-of-order`; the node treats it as an internal error).
    #[error(
        "the log position is out of order (vị trí trong sổ không đúng thứ tự): index {index} at \
         {sequenced_at_us} µs after index {last_index} at {last_sequenced_at_us} µs"
    )]
    PositionOutOfOrder {
        /// The position's index.
        index: u64,
        /// The position's time.
        sequenced_at_us: u64,
        /// The last applied index.
        last_index: u64,
        /// The last applied time.
        last_sequenced_at_us: u64,
    },
    /// The author holds none of the roles this event needs (code `authority-missing`).
    #[error(
        "the signer has no authority for this (không có thẩm quyền): {action} needs one of the \
         roles {roles}, and key {key} holds none of them"
    )]
    AuthorityMissing {
        /// What was attempted.
        action: String,
        /// The roles that may do it.
        roles: String,
        /// The author's key, base64.
        key: String,
    },
    /// The author holds a suitable role, but not for this unit or school year (code
    /// `authority-out-of-scope`).
    #[error(
        "the signer's authority does not cover this (ngoài phạm vi thẩm quyền): {action} at \
         unit {unit}{year}; key {key} holds the role only elsewhere"
    )]
    AuthorityOutOfScope {
        /// What was attempted.
        action: String,
        /// The unit concerned.
        unit: String,
        /// The school year concerned, with a leading separator, or empty.
        year: String,
        /// The author's key, base64.
        key: String,
    },
    /// The author's grant for this was revoked earlier in the log (code `authority-revoked`).
    #[error(
        "the signer's authority was revoked (thẩm quyền đã bị thu hồi): {action}: grant \
         `{grant_id}` was revoked at log index {revoked_at}"
    )]
    AuthorityRevoked {
        /// What was attempted.
        action: String,
        /// The revoked grant.
        grant_id: String,
        /// The index of the revocation.
        revoked_at: u64,
    },
    /// The author's grant for this has expired (code `authority-expired`).
    #[error(
        "the signer's authority has expired (thẩm quyền đã hết hạn): {action}: grant \
         `{grant_id}` was valid until {valid_until} (Vietnam time)"
    )]
    AuthorityExpired {
        /// What was attempted.
        action: String,
        /// The expired grant.
        grant_id: String,
        /// The last day of validity.
        valid_until: String,
    },
    /// The author's grant for this is not valid yet (code `authority-not-yet-valid`).
    #[error(
        "the signer's authority is not valid yet (thẩm quyền chưa có hiệu lực): {action}: grant \
         `{grant_id}` is valid from {valid_from} (Vietnam time)"
    )]
    AuthorityNotYetValid {
        /// What was attempted.
        action: String,
        /// The grant.
        grant_id: String,
        /// The first day of validity.
        valid_from: String,
    },
    /// The role cannot be granted for a unit of this kind, or at all (code
    /// `grant-scope-invalid`).
    #[error(
        "this role cannot be granted here (không thể giao vai trò này cho đơn vị này): role \
         {role} at unit {unit} ({kind}): {rule}"
    )]
    GrantScopeInvalid {
        /// The role.
        role: String,
        /// The scope's unit.
        unit: String,
        /// The unit's kind.
        kind: String,
        /// The rule.
        rule: String,
    },
    /// No exemption decided at that index for the learner's year and subject (code
    /// `exemption-unknown`).
    #[error(
        "no such exemption (không tìm thấy quyết định miễn): learner {learner}, {school_year}, \
         subject {subject}, exemption.decided at index {index}"
    )]
    ExemptionUnknown {
        /// The learner.
        learner: String,
        /// The school year.
        school_year: String,
        /// The subject.
        subject: String,
        /// The index named.
        index: u64,
    },
    /// A grant with this id exists already (code `grant-id-taken`).
    #[error("the grant id is already used (mã giao quyền đã tồn tại): `{grant_id}`")]
    GrantIdTaken {
        /// The grant id.
        grant_id: String,
    },
    /// No grant has this id (code `grant-unknown`).
    #[error("no such grant (không tìm thấy quyết định giao quyền): `{grant_id}`")]
    GrantUnknown {
        /// The grant id.
        grant_id: String,
    },
    /// The grant was revoked already (code `grant-already-revoked`).
    #[error(
        "the grant was already revoked (quyền đã bị thu hồi trước đó): `{grant_id}` at log index \
         {revoked_at}"
    )]
    GrantAlreadyRevoked {
        /// The grant id.
        grant_id: String,
        /// The index of the earlier revocation.
        revoked_at: u64,
    },
    /// A unit with this code exists already (code `unit-exists`).
    #[error("the unit code is already registered (mã đơn vị đã tồn tại): {unit}")]
    UnitExists {
        /// The unit code.
        unit: String,
    },
    /// No unit has this code (code `unit-unknown`).
    #[error("no such unit (không tìm thấy đơn vị): {unit}")]
    UnitUnknown {
        /// The unit code.
        unit: String,
    },
    /// The unit is of the wrong kind for this (code `unit-kind-invalid`).
    #[error(
        "the unit is of the wrong kind (loại đơn vị không phù hợp): {unit} is a {kind}; {rule}"
    )]
    UnitKindInvalid {
        /// The unit code.
        unit: String,
        /// Its kind.
        kind: String,
        /// The rule.
        rule: String,
    },
    /// The unit was merged into another and takes no new data (code `unit-merged`).
    #[error(
        "the unit was merged (đơn vị đã sáp nhập): {unit} was merged into {successor}, which is \
         now its custodian"
    )]
    UnitMerged {
        /// The unit code.
        unit: String,
        /// The successor.
        successor: String,
    },
    /// A merge that is not allowed: into itself or a unit of another kind (code
    /// `unit-merge-invalid`).
    #[error("the merge is not allowed (sáp nhập không hợp lệ): {rule}")]
    UnitMergeInvalid {
        /// The rule.
        rule: String,
    },
    /// A class with this name exists already in that school and year (code `class-exists`).
    #[error("the class is already opened (lớp đã được mở): {class} in {school_year} at {school}")]
    ClassExists {
        /// The school.
        school: String,
        /// The school year.
        school_year: String,
        /// The class.
        class: String,
    },
    /// No class has this name in that school and year (code `class-unknown`).
    #[error("no such class (không tìm thấy lớp): {class} in {school_year} at {school}")]
    ClassUnknown {
        /// The school.
        school: String,
        /// The school year.
        school_year: String,
        /// The class.
        class: String,
    },
    /// The subject is not in the class's subject list (code `subject-unknown`).
    #[error(
        "the class does not study this subject (lớp không có môn học này): {subject} in {class}"
    )]
    SubjectUnknown {
        /// The class.
        class: String,
        /// The subject.
        subject: String,
    },
    /// The author is not the teacher assigned to this class and subject (or homeroom) for the
    /// year (code `teacher-not-assigned`).
    #[error(
        "the signer is not the assigned teacher (giáo viên không được phân công): {duty} of class \
         {class}, {school_year}, at {school}"
    )]
    TeacherNotAssigned {
        /// The school.
        school: String,
        /// The school year.
        school_year: String,
        /// The class.
        class: String,
        /// The duty: the subject, or homeroom (chủ nhiệm).
        duty: String,
    },
    /// The key being assigned does not hold the teacher role the duty needs (code
    /// `assignee-authority-missing`).
    #[error(
        "the teacher being assigned has no authority for the duty (giáo viên được phân công chưa \
         được giao quyền): {0}"
    )]
    AssigneeAuthorityMissing(Box<DomainError>),
    /// A learner with this code is registered already (code `learner-exists`).
    #[error("the learner code is already registered (mã người học đã tồn tại): {learner}")]
    LearnerExists {
        /// The learner code.
        learner: String,
    },
    /// No learner has this code (code `learner-unknown`).
    #[error("no such learner (không tìm thấy người học): {learner}")]
    LearnerUnknown {
        /// The learner code.
        learner: String,
    },
    /// The learner is not currently enrolled where the event says (code
    /// `learner-not-enrolled`).
    #[error("the learner is not enrolled there (người học không thuộc lớp/trường này): {learner}: {detail}")]
    LearnerNotEnrolled {
        /// The learner code.
        learner: String,
        /// Where they are, or that they are nowhere.
        detail: String,
    },
    /// The learner has an enrolment in that school year already (code
    /// `learner-already-enrolled`).
    #[error(
        "the learner is already enrolled this school year (người học đã có tên trong năm học \
         này): {learner}: {detail}"
    )]
    LearnerAlreadyEnrolled {
        /// The learner code.
        learner: String,
        /// The existing enrolment.
        detail: String,
    },
    /// A transfer-in without a matching transfer-out (code `transfer-out-missing`).
    #[error(
        "no matching transfer-out (chưa có quyết định chuyển đi tương ứng): learner {learner} to \
         {school} in {school_year}: {detail}"
    )]
    TransferOutMissing {
        /// The learner code.
        learner: String,
        /// The receiving school.
        school: String,
        /// The school year.
        school_year: String,
        /// What the record shows instead.
        detail: String,
    },
    /// The assessment value breaks the subject's rules (code `assessment-value-invalid`).
    #[error("the assessment value is invalid (điểm/kết quả đánh giá không hợp lệ): {subject}: {problem}")]
    AssessmentValueInvalid {
        /// The subject (or `conduct`).
        subject: String,
        /// The rule broken.
        problem: String,
    },
    /// The regular-assessment slot is out of range, or a slot was given for a mid-term or
    /// final assessment (code `assessment-slot-invalid`).
    #[error("the assessment slot is invalid (cột điểm không hợp lệ): {subject}: {problem}")]
    AssessmentSlotInvalid {
        /// The subject.
        subject: String,
        /// The rule broken.
        problem: String,
    },
    /// The subject's results for that semester are confirmed; changes need an approved
    /// correction (code `subject-confirmed`).
    #[error(
        "the subject's results are confirmed and locked (điểm môn học đã được xác nhận, khóa \
         sổ): {subject}, class {class}, {semester}, confirmed at log index {confirmed_at}; \
         request a correction (đề nghị sửa điểm) instead"
    )]
    SubjectConfirmed {
        /// The class.
        class: String,
        /// The subject.
        subject: String,
        /// The semester.
        semester: String,
        /// Index of the confirmation.
        confirmed_at: u64,
    },
    /// The term is sealed; changes need an approved correction or a reopening (code
    /// `term-sealed`).
    #[error(
        "the term is sealed (học kỳ/năm học đã khóa sổ): {term} of {school_year} at {school}, \
         sealed at log index {sealed_at}; request a correction (đề nghị sửa điểm) instead"
    )]
    TermSealed {
        /// The school.
        school: String,
        /// The school year.
        school_year: String,
        /// The sealed term.
        term: String,
        /// Index of the seal.
        sealed_at: u64,
    },
    /// The subject's results for that semester were confirmed already (code
    /// `subject-already-confirmed`).
    #[error(
        "the subject is already confirmed (môn học đã được xác nhận): {subject}, class {class}, \
         {semester}, at log index {confirmed_at}"
    )]
    SubjectAlreadyConfirmed {
        /// The class.
        class: String,
        /// The subject.
        subject: String,
        /// The semester.
        semester: String,
        /// Index of the confirmation.
        confirmed_at: u64,
    },
    /// The term (or the whole year covering it) is sealed already (code
    /// `term-already-sealed`).
    #[error(
        "the term is already sealed (đã khóa sổ): {term} of {school_year} at {school}, at log \
         index {sealed_at}"
    )]
    TermAlreadySealed {
        /// The school.
        school: String,
        /// The school year.
        school_year: String,
        /// The term.
        term: String,
        /// Index of the seal.
        sealed_at: u64,
    },
    /// The term to reopen is not sealed (code `term-not-sealed`).
    #[error("the term is not sealed (chưa khóa sổ): {term} of {school_year} at {school}")]
    TermNotSealed {
        /// The school.
        school: String,
        /// The school year.
        school_year: String,
        /// The term.
        term: String,
    },
    /// A reason is required and missing or blank (code `reason-missing`).
    #[error("a reason is required (phải ghi rõ lý do): field `reason`")]
    ReasonMissing,
    /// A correction request cites no event (code `correction-target-missing`).
    #[error(
        "the correction cites no event (đề nghị sửa không chỉ rõ bản ghi cần sửa): field \
         `target` must give the log index of the event corrected"
    )]
    CorrectionTargetMissing,
    /// The cited index is not an event that can be corrected (code
    /// `correction-target-unknown`).
    #[error(
        "the cited event cannot be corrected (bản ghi được dẫn chiếu không thể sửa): log index \
         {target} is not a recorded assessment or conduct result"
    )]
    CorrectionTargetUnknown {
        /// The cited index.
        target: u64,
    },
    /// The cited event's value has since been replaced; cite the event now in force (code
    /// `correction-target-superseded`).
    #[error(
        "the cited event is no longer current (bản ghi được dẫn chiếu đã được thay thế): log \
         index {target}; the value in force comes from log index {current}"
    )]
    CorrectionTargetSuperseded {
        /// The cited index.
        target: u64,
        /// The index of the value in force.
        current: u64,
    },
    /// The cited index is not a correction request (code `correction-request-unknown`).
    #[error(
        "no such correction request (không tìm thấy đề nghị sửa): log index {request} is not a \
         correction request"
    )]
    CorrectionRequestUnknown {
        /// The cited index.
        request: u64,
    },
    /// The correction request was approved already (code `correction-not-pending`).
    #[error(
        "the correction request was already approved (đề nghị sửa đã được duyệt): log index \
         {request}, approved at log index {approved_at}"
    )]
    CorrectionNotPending {
        /// The request's index.
        request: u64,
        /// The approval's index.
        approved_at: u64,
    },
    /// The learner's record for the year is incomplete (code `record-incomplete`).
    #[error(
        "the record is incomplete (học bạ chưa đủ dữ liệu): learner {learner}, {school_year}: \
         missing {missing}"
    )]
    RecordIncomplete {
        /// The learner code.
        learner: String,
        /// The school year.
        school_year: String,
        /// The first missing item.
        missing: String,
    },
    /// The signing policy in force requires every subject of the learner's class to be
    /// confirmed for both semesters before sign-off or approval, and one is not (code
    /// `subjects-not-confirmed`).
    #[error(
        "the subjects are not all confirmed (chưa xác nhận đủ điểm các môn học): learner \
         {learner}, {school_year}: {rule}; not confirmed: {unconfirmed}"
    )]
    SubjectsNotConfirmed {
        /// The learner code.
        learner: String,
        /// The school year.
        school_year: String,
        /// The rule: the policy's level, the class and the step refused.
        rule: String,
        /// The first subject not confirmed, and its semester.
        unconfirmed: String,
    },
    /// The record was signed off already (code `learner-already-signed-off`).
    #[error(
        "the record is already signed off (học bạ đã được giáo viên chủ nhiệm ký): learner \
         {learner}, {school_year}, at log index {signed_off_at}"
    )]
    LearnerAlreadySignedOff {
        /// The learner code.
        learner: String,
        /// The school year.
        school_year: String,
        /// Index of the sign-off.
        signed_off_at: u64,
    },
    /// The principal approves only records the homeroom teacher has signed off (code
    /// `learner-not-signed-off`).
    #[error(
        "the record is not signed off by the homeroom teacher (học bạ chưa được giáo viên chủ \
         nhiệm ký): learner {learner}, {school_year}"
    )]
    LearnerNotSignedOff {
        /// The learner code.
        learner: String,
        /// The school year.
        school_year: String,
    },
    /// The record in this version was approved already (code `learner-already-approved`).
    #[error(
        "the record is already approved (học bạ đã được hiệu trưởng duyệt): learner {learner}, \
         {school_year}, at log index {approved_at}"
    )]
    LearnerAlreadyApproved {
        /// The learner code.
        learner: String,
        /// The school year.
        school_year: String,
        /// Index of the approval.
        approved_at: u64,
    },
    /// The digest signed is not the digest of the record as it stands (code
    /// `approval-digest-mismatch`).
    #[error(
        "the approved digest does not match the record (mã băm học bạ không khớp): learner \
         {learner}, {school_year}: the record's digest is {expected}"
    )]
    ApprovalDigestMismatch {
        /// The learner code.
        learner: String,
        /// The school year.
        school_year: String,
        /// The digest of the record as it stands, hex.
        expected: String,
    },
    /// Summer re-training is not required (code `summer-training-not-required`).
    #[error(
        "summer re-training is not required (không thuộc diện rèn luyện trong hè): \
         learner {learner}, {school_year}: {detail}"
    )]
    SummerTrainingNotRequired {
        /// The learner code.
        learner: String,
        /// The school year.
        school_year: String,
        /// What the rules give instead.
        detail: String,
    },
    /// The subject is not to be re-assessed (code `reassessment-not-required`).
    #[error(
        "the subject is not to be re-assessed (môn không thuộc diện kiểm tra, đánh giá \
         lại): learner {learner}, {school_year}, subject {subject}: {detail}"
    )]
    ReassessmentNotRequired {
        /// The learner code.
        learner: String,
        /// The school year.
        school_year: String,
        /// The subject.
        subject: String,
        /// What the rules give instead.
        detail: String,
    },
    /// The decision does not agree with the rules (code `promotion-mismatch`).
    #[error(
        "the decision does not agree with the rules (quyết định không khớp kết quả đánh \
         giá): learner {learner}, {school_year}: decided {decided}, the rules give \
         {expected}"
    )]
    PromotionMismatch {
        /// The learner code.
        learner: String,
        /// The school year.
        school_year: String,
        /// The outcome decided.
        decided: String,
        /// The outcome the rules compute.
        expected: String,
    },
    /// The end-of-year outcome is already decided (code `promotion-already-decided`).
    #[error(
        "the end-of-year outcome is already decided (đã có quyết định lên lớp): learner \
         {learner}, {school_year}, at log index {decided_at}"
    )]
    PromotionAlreadyDecided {
        /// The learner code.
        learner: String,
        /// The school year.
        school_year: String,
        /// Index of the decision.
        decided_at: u64,
    },
    /// The end-of-year outcome is not decided (code `promotion-not-decided`).
    #[error(
        "the end-of-year outcome is not decided (chưa có quyết định lên lớp): learner \
         {learner}, {school_year}"
    )]
    PromotionNotDecided {
        /// The learner code.
        learner: String,
        /// The school year.
        school_year: String,
    },
    /// The rules do not give this award (code `award-not-allowed`).
    #[error(
        "the rules do not give this award (không đủ điều kiện khen thưởng): learner \
         {learner}, {school_year}, {award}: {detail}"
    )]
    AwardNotAllowed {
        /// The learner code.
        learner: String,
        /// The school year.
        school_year: String,
        /// The award asked for.
        award: String,
        /// What the rules give.
        detail: String,
    },
    /// An award is already granted (code `award-already-granted`).
    #[error(
        "an award is already granted (đã khen thưởng): learner {learner}, {school_year}, \
         at log index {granted_at}"
    )]
    AwardAlreadyGranted {
        /// The learner code.
        learner: String,
        /// The school year.
        school_year: String,
        /// Index of the award.
        granted_at: u64,
    },
    /// The programme is completed only in a final grade, 9 or 12 (code `grade-not-final`).
    #[error(
        "the programme is completed only in a final grade, 9 or 12 (không phải lớp cuối \
         cấp): learner {learner}, {school_year}, grade {grade}"
    )]
    GradeNotFinal {
        /// The learner code.
        learner: String,
        /// The school year.
        school_year: String,
        /// The learner's grade.
        grade: u8,
    },
    /// The programme completion is already recorded (code `programme-already-completed`).
    #[error(
        "the programme completion is already recorded (đã xác nhận hoàn thành chương \
         trình): learner {learner}, {school_year}, at log index {completed_at}"
    )]
    ProgrammeAlreadyCompleted {
        /// The learner code.
        learner: String,
        /// The school year.
        school_year: String,
        /// Index of the completion.
        completed_at: u64,
    },
    /// The record is not approved by the principal as it stands (code `record-not-approved`).
    #[error(
        "the record is not approved by the principal as it stands (học bạ chưa được hiệu \
         trưởng duyệt): learner {learner}, {school_year}"
    )]
    RecordNotApproved {
        /// The learner code.
        learner: String,
        /// The school year.
        school_year: String,
    },
    /// The copy id is used already (code `copy-id-taken`).
    #[error(
        "the copy id is used already (mã bản sao đã được dùng): `{copy_id}`, at log index \
         {issued_at}"
    )]
    CopyIdTaken {
        /// The copy id.
        copy_id: String,
        /// Index of the copy with that id.
        issued_at: u64,
    },
    /// The copy's digest does not match the record (code `copy-digest-mismatch`).
    #[error(
        "the copy's digest does not match the record (mã băm bản sao không khớp học bạ): \
         learner {learner}, {school_year}: the record's digest is {expected}"
    )]
    CopyDigestMismatch {
        /// The learner code.
        learner: String,
        /// The school year.
        school_year: String,
        /// The digest of the record as it stands, hex.
        expected: String,
    },
    /// The identity commitment is the one in force (code `identity-unchanged`).
    #[error(
        "the identity commitment is the one in force (cam kết định danh không thay đổi): \
         learner {learner}"
    )]
    IdentityUnchanged {
        /// The learner code.
        learner: String,
    },
    /// An assessment in a subject the learner's individual education plan marks not assessed
    /// (code `subject-not-assessed`).
    #[error(
        "the learner is not assessed in this subject (môn học không đánh giá theo kế hoạch giáo \
         dục cá nhân): learner {learner}, {subject} in {school_year}, by the plan at log index \
         {plan_at}"
    )]
    SubjectNotAssessed {
        /// The learner code.
        learner: String,
        /// The subject.
        subject: String,
        /// The school year.
        school_year: String,
        /// Index of the `individual_plan.decided` event.
        plan_at: u64,
    },
    /// An individual education plan marks not assessed a subject in which the learner already
    /// has assessments (code `subject-already-assessed`).
    #[error(
        "the learner is assessed in this subject already (môn học đã có kết quả đánh giá): \
         learner {learner}, {subject} in {school_year}, first at log index {assessed_at}"
    )]
    SubjectAlreadyAssessed {
        /// The learner code.
        learner: String,
        /// The subject.
        subject: String,
        /// The school year.
        school_year: String,
        /// Index of the earliest assessment in force in the subject.
        assessed_at: u64,
    },
}

impl DomainError {
    /// The stable, machine-readable code of this refusal (listed in `docs/EVENTS.md`).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::EventTypeUnknown { .. } => "event-type-unknown",
            Self::SchemaVersionUnsupported { .. } => "schema-version-unsupported",
            Self::PayloadMalformed { .. } => "payload-malformed",
            Self::PayloadInvalid { .. } => "payload-invalid",
            Self::KeyMalformed { .. } => "key-malformed",
            Self::KeyWeak { .. } => "key-weak",
            Self::PositionOutOfOrder { .. } => "position-out-of-order",
            Self::AuthorityMissing { .. } => "authority-missing",
            Self::AuthorityOutOfScope { .. } => "authority-out-of-scope",
            Self::AuthorityRevoked { .. } => "authority-revoked",
            Self::AuthorityExpired { .. } => "authority-expired",
            Self::AuthorityNotYetValid { .. } => "authority-not-yet-valid",
            Self::GrantScopeInvalid { .. } => "grant-scope-invalid",
            Self::ExemptionUnknown { .. } => "exemption-unknown",
            Self::GrantIdTaken { .. } => "grant-id-taken",
            Self::GrantUnknown { .. } => "grant-unknown",
            Self::GrantAlreadyRevoked { .. } => "grant-already-revoked",
            Self::UnitExists { .. } => "unit-exists",
            Self::UnitUnknown { .. } => "unit-unknown",
            Self::UnitKindInvalid { .. } => "unit-kind-invalid",
            Self::UnitMerged { .. } => "unit-merged",
            Self::UnitMergeInvalid { .. } => "unit-merge-invalid",
            Self::ClassExists { .. } => "class-exists",
            Self::ClassUnknown { .. } => "class-unknown",
            Self::SubjectUnknown { .. } => "subject-unknown",
            Self::TeacherNotAssigned { .. } => "teacher-not-assigned",
            Self::AssigneeAuthorityMissing(_) => "assignee-authority-missing",
            Self::LearnerExists { .. } => "learner-exists",
            Self::LearnerUnknown { .. } => "learner-unknown",
            Self::LearnerNotEnrolled { .. } => "learner-not-enrolled",
            Self::LearnerAlreadyEnrolled { .. } => "learner-already-enrolled",
            Self::TransferOutMissing { .. } => "transfer-out-missing",
            Self::AssessmentValueInvalid { .. } => "assessment-value-invalid",
            Self::AssessmentSlotInvalid { .. } => "assessment-slot-invalid",
            Self::SubjectConfirmed { .. } => "subject-confirmed",
            Self::TermSealed { .. } => "term-sealed",
            Self::SubjectAlreadyConfirmed { .. } => "subject-already-confirmed",
            Self::TermAlreadySealed { .. } => "term-already-sealed",
            Self::TermNotSealed { .. } => "term-not-sealed",
            Self::ReasonMissing => "reason-missing",
            Self::CorrectionTargetMissing => "correction-target-missing",
            Self::CorrectionTargetUnknown { .. } => "correction-target-unknown",
            Self::CorrectionTargetSuperseded { .. } => "correction-target-superseded",
            Self::CorrectionRequestUnknown { .. } => "correction-request-unknown",
            Self::CorrectionNotPending { .. } => "correction-not-pending",
            Self::RecordIncomplete { .. } => "record-incomplete",
            Self::SubjectsNotConfirmed { .. } => "subjects-not-confirmed",
            Self::LearnerAlreadySignedOff { .. } => "learner-already-signed-off",
            Self::LearnerNotSignedOff { .. } => "learner-not-signed-off",
            Self::LearnerAlreadyApproved { .. } => "learner-already-approved",
            Self::ApprovalDigestMismatch { .. } => "approval-digest-mismatch",
            Self::SummerTrainingNotRequired { .. } => "summer-training-not-required",
            Self::ReassessmentNotRequired { .. } => "reassessment-not-required",
            Self::PromotionMismatch { .. } => "promotion-mismatch",
            Self::PromotionAlreadyDecided { .. } => "promotion-already-decided",
            Self::PromotionNotDecided { .. } => "promotion-not-decided",
            Self::AwardNotAllowed { .. } => "award-not-allowed",
            Self::AwardAlreadyGranted { .. } => "award-already-granted",
            Self::GradeNotFinal { .. } => "grade-not-final",
            Self::ProgrammeAlreadyCompleted { .. } => "programme-already-completed",
            Self::RecordNotApproved { .. } => "record-not-approved",
            Self::CopyIdTaken { .. } => "copy-id-taken",
            Self::CopyDigestMismatch { .. } => "copy-digest-mismatch",
            Self::IdentityUnchanged { .. } => "identity-unchanged",
            Self::SubjectNotAssessed { .. } => "subject-not-assessed",
            Self::SubjectAlreadyAssessed { .. } => "subject-already-assessed",
        }
    }

    /// Every code, in the order of `docs/EVENTS.md`.
    pub const CODES: [&'static str; 66] = [
        "event-type-unknown",
        "schema-version-unsupported",
        "payload-malformed",
        "payload-invalid",
        "key-malformed",
        "key-weak",
        "position-out-of-order",
        "authority-missing",
        "authority-out-of-scope",
        "authority-revoked",
        "authority-expired",
        "authority-not-yet-valid",
        "grant-scope-invalid",
        "grant-id-taken",
        "grant-unknown",
        "grant-already-revoked",
        "unit-exists",
        "unit-unknown",
        "unit-kind-invalid",
        "unit-merged",
        "unit-merge-invalid",
        "class-exists",
        "class-unknown",
        "subject-unknown",
        "teacher-not-assigned",
        "assignee-authority-missing",
        "learner-exists",
        "learner-unknown",
        "learner-not-enrolled",
        "learner-already-enrolled",
        "transfer-out-missing",
        "assessment-value-invalid",
        "assessment-slot-invalid",
        "subject-confirmed",
        "term-sealed",
        "subject-already-confirmed",
        "term-already-sealed",
        "term-not-sealed",
        "reason-missing",
        "correction-target-missing",
        "correction-target-unknown",
        "correction-target-superseded",
        "correction-request-unknown",
        "correction-not-pending",
        "record-incomplete",
        "subjects-not-confirmed",
        "learner-already-signed-off",
        "learner-not-signed-off",
        "learner-already-approved",
        "approval-digest-mismatch",
        "summer-training-not-required",
        "reassessment-not-required",
        "promotion-mismatch",
        "promotion-already-decided",
        "promotion-not-decided",
        "award-not-allowed",
        "award-already-granted",
        "grade-not-final",
        "programme-already-completed",
        "record-not-approved",
        "copy-id-taken",
        "copy-digest-mismatch",
        "identity-unchanged",
        "subject-not-assessed",
        "subject-already-assessed",
        "exemption-unknown",
    ];
}
