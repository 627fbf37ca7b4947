//! SIDs and secrets. A SID is Twilio's two-letter prefix plus 32 lowercase hex characters; the
//! prefix says what kind of resource it names, so `Sid::parse(Prefix::Task, …)` refuses a worker's.
//! Secrets (auth tokens, API key secrets, chat tokens) come from the OS's random source.

use std::fmt;
use std::io::Read;

/// The resource kinds and the prefixes Twilio gives their SIDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prefix {
    Account,
    ApiKey,
    Event,
    Workspace,
    Activity,
    TaskChannel,
    Worker,
    TaskQueue,
    Workflow,
    Task,
    Reservation,
    Flow,
    FlowRevision,
    Execution,
    Step,
    FlexFlow,
    Conversation,
    Participant,
    Message,
    ConversationService,
    Webhook,
    Interaction,
    InteractionChannel,
    ChannelSession,
    Profile,
    Call,
    Recording,
    User,
    WorkerChannel,
    InteractionParticipant,
    OutboundRequest,
    InteractionInvite,
    InteractionTransfer,
    FlexInstance,
    Note,
    InteractionContext,
    Role,
    Credential,
    AddressConfiguration,
    Receipt,
    /// A business-hours schedule (switchboard's own, issue 22).
    Schedule,
    /// A parked conversation (switchboard's own, issue 22).
    Park,
    /// A console user: admin, supervisor or agent (switchboard's own, issue 17).
    ConsoleUser,
    /// An Api 2010 message (`SM…`, issue 18).
    SmsMessage,
}

impl Prefix {
    pub fn as_str(self) -> &'static str {
        match self {
            Prefix::Account => "AC",
            Prefix::ApiKey => "SK",
            Prefix::Event => "EV",
            Prefix::Workspace => "WS",
            Prefix::Activity => "WA",
            Prefix::TaskChannel => "TC",
            Prefix::Worker => "WK",
            Prefix::TaskQueue => "WQ",
            Prefix::Workflow => "WW",
            Prefix::Task => "WT",
            Prefix::Reservation => "WR",
            Prefix::Flow => "FW",
            Prefix::FlowRevision => "FR",
            Prefix::Execution => "FN",
            Prefix::Step => "FT",
            Prefix::FlexFlow => "FO",
            Prefix::Conversation => "CH",
            Prefix::Participant => "MB",
            Prefix::Message => "IM",
            Prefix::ConversationService => "IS",
            Prefix::Webhook => "WH",
            Prefix::Interaction => "KD",
            Prefix::InteractionChannel => "UO",
            Prefix::ChannelSession => "KC",
            Prefix::Profile => "PF",
            Prefix::Call => "CA",
            Prefix::Recording => "RE",
            Prefix::User => "US",
            Prefix::WorkerChannel => "WC",
            Prefix::InteractionParticipant => "UT",
            // switchboard's own: a queued outbound carrier message or external Flex Flow post.
            Prefix::OutboundRequest => "OB",
            Prefix::InteractionInvite => "KG",
            Prefix::InteractionTransfer => "UX",
            Prefix::FlexInstance => "GO",
            Prefix::Note => "KQ",
            Prefix::InteractionContext => "HQ",
            Prefix::Role => "RL",
            Prefix::Credential => "CR",
            Prefix::AddressConfiguration => "IG",
            Prefix::Receipt => "DY",
            Prefix::Schedule => "BH",
            Prefix::Park => "PK",
            Prefix::ConsoleUser => "UA",
            Prefix::SmsMessage => "SM",
        }
    }
}

/// Makes a new SID: the prefix, 12 hex digits of the creation time (Unix ms), 20 random hex
/// digits. Time first puts each new row at the right-hand edge of every index keyed by SID, so a
/// commit dirties one leaf page per index instead of one random page per row (a task create
/// wrote ~20 scattered pages to the WAL); 80 random bits keep SIDs unique and unguessable.
pub fn new_sid(prefix: Prefix) -> String {
    let ms = (crate::clock::wall_ms().max(0) as u64) & 0xffff_ffff_ffff;
    format!("{}{ms:012x}{}", prefix.as_str(), random_hex(10))
}

/// True if `s` is `prefix` followed by exactly 32 lowercase hex characters.
pub fn is_sid(prefix: Prefix, s: &str) -> bool {
    s.len() == 34
        && s.starts_with(prefix.as_str())
        && s[2..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `bytes` random bytes from the OS, hex-encoded (so `2 * bytes` characters).
pub fn random_hex(bytes: usize) -> String {
    to_hex(&random_bytes(bytes))
}

pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    let filled = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .is_ok();
    if !filled {
        // No /dev/urandom (an odd chroot): fall back to the std hasher's per-process random keys.
        use std::hash::{BuildHasher, Hasher};
        for chunk in buf.chunks_mut(8) {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(
                std::time::UNIX_EPOCH
                    .elapsed()
                    .map(|d| d.as_nanos())
                    .unwrap_or(0),
            );
            let v = h.finish().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
    buf
}

pub fn to_hex(bytes: &[u8]) -> String {
    use fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Compares two secrets in time that depends only on their lengths, not on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Hashes a high-entropy secret that need not be recovered (API key secrets, chat tokens).
/// One keyed hash is enough: nobody can guess 128 random bits, however fast the hash.
pub fn hash_secret(salt: &str, secret: &str) -> String {
    to_hex(&hmac_sha1(salt.as_bytes(), secret.as_bytes()))
}

/// Hashes a person's password: iterated, so an offline guess costs 10,000 hashes.
pub fn hash_password(salt: &str, password: &str) -> String {
    let mut digest = hmac_sha1(salt.as_bytes(), password.as_bytes());
    for _ in 1..10_000 {
        digest = hmac_sha1(salt.as_bytes(), &digest);
    }
    to_hex(&digest)
}

/// HMAC-SHA1, as X-Twilio-Signature also uses.
pub fn hmac_sha1(key: &[u8], data: &[u8]) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    // HMAC takes keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_have_prefix_and_32_hex() {
        let sid = new_sid(Prefix::Task);
        assert!(is_sid(Prefix::Task, &sid), "{sid}");
        assert!(!is_sid(Prefix::Worker, &sid));
        assert!(!is_sid(Prefix::Task, "WT123"));
        assert!(!is_sid(Prefix::Task, "WTAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        assert_ne!(new_sid(Prefix::Task), sid);
    }

    #[test]
    fn sids_sort_by_creation_time_and_stay_unique() {
        let earlier = new_sid(Prefix::Event);
        std::thread::sleep(std::time::Duration::from_millis(2));
        let many: Vec<String> = (0..1000).map(|_| new_sid(Prefix::Event)).collect();
        assert!(many.iter().all(|s| s.as_str() > earlier.as_str()));
        let unique: std::collections::HashSet<&String> = many.iter().collect();
        assert_eq!(unique.len(), many.len());
        // The time part is the creation time in ms.
        let ms = i64::from_str_radix(&earlier[2..14], 16).unwrap();
        assert!((crate::clock::wall_ms() - ms).abs() < 60_000);
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn hashed_secrets_depend_on_salt() {
        assert_eq!(hash_secret("s", "x"), hash_secret("s", "x"));
        assert_ne!(hash_secret("s", "x"), hash_secret("t", "x"));
        assert_eq!(hash_secret("s", "x").len(), 40);
        assert_ne!(hash_password("s", "x"), hash_secret("s", "x"));
    }
}
