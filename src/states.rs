//! Stored states and kinds: one way to keep an enum in a TEXT column (`text_enum!`: `as_str`,
//! `parse`, `FromStr`, `Display`, `Serialize` as its text, `ToSql`/`FromSql`), and the enums the store reads and writes.
//!
//! A leaf: the store may import it, and each domain re-exports its own states from here and adds
//! their rules (`routing::states` the task/reservation transitions, `channels::conversations`
//! `ConversationState::transition`, `voice::calls`
//! `CallStatus::is_final`, …) in its own `impl` blocks. Nothing outside an enum compares a state
//! as a string.

/// A TEXT-stored enum: `text_enum!(Name { Variant => "text", … })`.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)* _ => None }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::states::Unknown;
            fn from_str(s: &str) -> Result<$name, $crate::states::Unknown> {
                $name::parse(s).ok_or_else(|| $crate::states::Unknown {
                    what: stringify!($name),
                    value: s.to_string(),
                })
            }
        }

        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(
                v: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                let s = v.as_str()?;
                s.parse::<$name>()
                    .map_err(|e| rusqlite::types::FromSqlError::Other(e.to_string().into()))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// A text that names no value of the enum it was parsed as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    pub what: &'static str,
    pub value: String,
}

impl std::fmt::Display for Unknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown {} {:?}", self.what, self.value)
    }
}

impl std::error::Error for Unknown {}

text_enum!(
    /// A conversation's state (Conversations v1): `initializing` only until it is set up,
    /// `active` while messages flow, `inactive` after its inactive timer (a new message makes it
    /// active again), `closed` for good.
    /// https://www.twilio.com/docs/conversations/api/conversation-resource
    ConversationState {
        Initializing => "initializing",
        Active => "active",
        Inactive => "inactive",
        Closed => "closed",
    }
);

text_enum!(
    /// A TaskRouter task's assignment status.
    /// https://www.twilio.com/docs/taskrouter/lifecycle-task-state
    TaskStatus {
        Pending => "pending",
        Reserved => "reserved",
        Assigned => "assigned",
        Wrapping => "wrapping",
        Completed => "completed",
        Canceled => "canceled",
    }
);

text_enum!(
    /// A TaskRouter reservation's status.
    ReservationStatus {
        Pending => "pending",
        Accepted => "accepted",
        Rejected => "rejected",
        Timeout => "timeout",
        Canceled => "canceled",
        Rescinded => "rescinded",
        Wrapping => "wrapping",
        Completed => "completed",
    }
);

text_enum!(
    /// A call's state: Twilio's `CallStatus` values, plus `bridged` (connected to an agent).
    /// https://www.twilio.com/docs/voice/twiml#callstatus-values
    CallStatus {
        Ringing => "ringing",
        InProgress => "in-progress",
        Queued => "queued",
        Bridged => "bridged",
        Completed => "completed",
        Busy => "busy",
        Failed => "failed",
        NoAnswer => "no-answer",
        Canceled => "canceled",
    }
);

text_enum!(
    /// Studio v2's execution status.
    ExecutionStatus {
        Active => "active",
        Ended => "ended",
    }
);

text_enum!(
    /// A Studio test run's status (switchboard's own: Twilio has no test runs); an ended run
    /// takes no more messages.
    TestRunStatus {
        Active => "active",
        Ended => "ended",
    }
);

text_enum!(
    /// A flow revision's status: only published revisions run.
    FlowStatus {
        Draft => "draft",
        Published => "published",
    }
);

text_enum!(
    /// An interaction channel's status (Flex v1 `InteractionChannel.status`).
    /// https://www.twilio.com/docs/flex/developer/conversations/interactions-api/channels-subresource
    InteractionChannelStatus {
        Setup => "setup",
        Active => "active",
        Failed => "failed",
        Closed => "closed",
        Inactive => "inactive",
        Paused => "paused",
        Transfer => "transfer",
    }
);

text_enum!(
    /// What an interaction channel participant's `Status` may be set to.
    InteractionParticipantStatus {
        Closed => "closed",
        Wrapup => "wrapup",
    }
);

text_enum!(
    /// An interaction channel participant's type (Flex v1).
    InteractionParticipantType {
        Supervisor => "supervisor",
        Customer => "customer",
        External => "external",
        Agent => "agent",
        Unknown => "unknown",
    }
);

text_enum!(
    /// An interaction channel's media type (Flex v1 `Channel.type`).
    InteractionChannelType {
        Voice => "voice",
        Sms => "sms",
        Email => "email",
        Web => "web",
        Whatsapp => "whatsapp",
        Chat => "chat",
        Messenger => "messenger",
        Gbm => "gbm",
    }
);

text_enum!(
    /// The channel a messaging session (and the Flex Flow or address configuration that
    /// handles it) serves: Flex v1's `ChannelType` values and Conversations' address types.
    MessagingChannel {
        Web => "web",
        Sms => "sms",
        Whatsapp => "whatsapp",
        Facebook => "facebook",
        Line => "line",
        Custom => "custom",
        Messenger => "messenger",
        Gbm => "gbm",
        Email => "email",
        Rcs => "rcs",
        Apple => "apple",
        Chat => "chat",
    }
);

impl MessagingChannel {
    /// What a Flex Flow may serve (Flex v1 `FlexFlow.channel_type`).
    pub const FLEX_FLOW: &'static [MessagingChannel] = &[
        MessagingChannel::Web,
        MessagingChannel::Sms,
        MessagingChannel::Facebook,
        MessagingChannel::Whatsapp,
        MessagingChannel::Line,
        MessagingChannel::Custom,
    ];
}

text_enum!(
    /// A chat channel made through Flex's `WebChannels` (`web`) or the legacy `Channels` (`chat`).
    ChatChannelKind {
        Web => "web",
        Chat => "chat",
    }
);

text_enum!(
    /// A Conversations role's scope.
    RoleKind {
        Conversation => "conversation",
        Service => "service",
    }
);

text_enum!(
    /// Which Studio trigger a routed inbound message fires: `incomingConversationMessage` (web
    /// chat, an address configuration's SMS) or `incomingMessage` (carrier SMS, Flex Flows).
    InboundTrigger {
        Conversation => "conversation",
        Message => "message",
    }
);

text_enum!(
    /// A transfer's kind: warm (the first agent stays until the second accepts) or cold.
    TransferKind {
        Warm => "warm",
        Cold => "cold",
    }
);

text_enum!(
    /// A transfer's life: `active` until the receiver accepts (`completed`) or it fails.
    TransferStatus {
        Active => "active",
        Completed => "completed",
        Failed => "failed",
    }
);

text_enum!(
    /// Where an outbound request goes: the carrier's Messages API, or a Flex Flow's
    /// `Integration.Url` (`external`); issue 18: the carrier's Calls API (`carrier-call`, `url`
    /// the path under the carrier's account) and an API caller's status callback (`callback`,
    /// sent through the outbound guard).
    OutboxKind {
        Carrier => "carrier",
        External => "external",
        CarrierCall => "carrier-call",
        Callback => "callback",
    }
);

text_enum!(
    /// An Api 2010 message's state (`message_enum_status` of Twilio's definition).
    /// https://www.twilio.com/docs/messaging/api/message-resource#message-status-values
    MessageStatus {
        Queued => "queued",
        Sending => "sending",
        Sent => "sent",
        Failed => "failed",
        Delivered => "delivered",
        Undelivered => "undelivered",
        Receiving => "receiving",
        Received => "received",
        Accepted => "accepted",
        Scheduled => "scheduled",
        Read => "read",
        PartiallyDelivered => "partially_delivered",
        Canceled => "canceled",
    }
);

text_enum!(
    /// An outbound request's delivery state.
    OutboxStatus {
        Queued => "queued",
        Sent => "sent",
        Failed => "failed",
    }
);

text_enum!(
    /// How a caller asked to be called back (issue 22): a key press while waiting, or a message
    /// left for the agent.
    CallbackKind {
        Callback => "callback",
        Voicemail => "voicemail",
    }
);

text_enum!(
    /// Where a callback is: waiting for an agent, the carrier being asked to place the call,
    /// the call placed, or the carrier refusing it (the error is kept).
    CallbackStatus {
        Waiting => "waiting",
        Dialing => "dialing",
        Calling => "calling",
        Failed => "failed",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_unknown_text_is_refused() {
        for s in CallStatus::ALL {
            assert_eq!(s.as_str().parse::<CallStatus>(), Ok(*s));
        }
        let e = "on-hold".parse::<CallStatus>().unwrap_err();
        assert_eq!(e.to_string(), "unknown CallStatus \"on-hold\"");
    }
}

text_enum!(
    /// A console user's role (issue 17): an admin changes anything; a supervisor watches and acts
    /// on the floor and reads reports and conversations but changes no configuration; an agent
    /// is a TaskRouter worker signing in at the desktop.
    UserRole {
        Admin => "admin",
        Supervisor => "supervisor",
        Agent => "agent",
    }
);

text_enum!(
    /// A console user's status: `invited` until the invite is taken up, then `active`;
    /// `disabled` signs in no more.
    UserStatus {
        Invited => "invited",
        Active => "active",
        Disabled => "disabled",
    }
);

text_enum!(
    /// What an audit entry says was done.
    AuditAction {
        Created => "created",
        Updated => "updated",
        Deleted => "deleted",
        Invited => "invited",
        Joined => "joined",
    }
);

text_enum!(
    /// What kind of thing an audit entry is about.
    AuditKind {
        Flow => "flow",
        Workflow => "workflow",
        Queue => "queue",
        Worker => "worker",
        User => "user",
        Setting => "setting",
        Task => "task",
        Execution => "execution",
    }
);
