//! The values of the event outbox: `EventType` (every kind of state change), `NewEvent` (an event
//! to append in a write transaction) and `Event` (a stored one). A leaf, so that the store (which
//! appends and reads them) and the bus in `events` (which delivers them) both sit above it.

use serde_json::Value;

macro_rules! event_types {
    ($($variant:ident => $name:literal,)*) => {
        /// Every kind of state change the appliance records, named as Twilio names its events.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventType { $($variant,)* }

        impl EventType {
            pub const ALL: &'static [EventType] = &[$(EventType::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(EventType::$variant => $name,)* }
            }

            pub fn parse(s: &str) -> Option<EventType> {
                match s { $($name => Some(EventType::$variant),)* _ => None }
            }
        }
    };
}

event_types! {
    // TaskRouter (names as TaskRouter's event callbacks use them).
    TaskCreated => "task.created",
    TaskUpdated => "task.updated",
    TaskCanceled => "task.canceled",
    TaskWrapup => "task.wrapup",
    TaskCompleted => "task.completed",
    TaskDeleted => "task.deleted",
    TaskSystemDeleted => "task.system-deleted",
    TaskTransferInitiated => "task.transfer-initiated",
    TaskQueueEntered => "task-queue.entered",
    TaskQueueMoved => "task-queue.moved",
    TaskQueueTimeout => "task-queue.timeout",
    TaskQueueCreated => "task-queue.created",
    TaskQueueDeleted => "task-queue.deleted",
    ReservationCreated => "reservation.created",
    ReservationAccepted => "reservation.accepted",
    ReservationRejected => "reservation.rejected",
    ReservationTimeout => "reservation.timeout",
    ReservationCanceled => "reservation.canceled",
    ReservationRescinded => "reservation.rescinded",
    ReservationWrapup => "reservation.wrapup",
    ReservationCompleted => "reservation.completed",
    WorkerCreated => "worker.created",
    WorkerDeleted => "worker.deleted",
    WorkerActivityUpdate => "worker.activity.update",
    WorkerAttributesUpdate => "worker.attributes.update",
    WorkerCapacityUpdate => "worker.capacity.update",
    WorkflowEntered => "workflow.entered",
    WorkflowTargetMatched => "workflow.target-matched",
    WorkflowSkipped => "workflow.skipped",
    WorkflowTimeout => "workflow.timeout",
    ActivityCreated => "activity.created",
    ActivityDeleted => "activity.deleted",
    // Studio.
    ExecutionStarted => "studio.execution.started",
    ExecutionStep => "studio.execution.step",
    ExecutionWaiting => "studio.execution.waiting",
    ExecutionEnded => "studio.execution.ended",
    // A send-message / send-and-wait-for-reply widget's outbound message; the channels layer
    // delivers it (conversation message or carrier outbox) as a durable subscriber.
    ExecutionSendMessage => "studio.execution.send-message",
    // TwiML a run produced for a call that no carrier request waits for (a timer, an HTTP
    // answer, a subflow ending later): the voice bridge sends it as the carrier's call update.
    ExecutionCallTwiml => "studio.execution.call-twiml",
    // A start-conversation widget's conversation (its SID chosen by the run): the channels
    // layer creates it, its participant, reply session and studio webhook.
    ExecutionStartConversation => "studio.execution.start-conversation",
    FlowPublished => "studio.flow.published",
    // Channels and conversations.
    ConversationCreated => "conversation.created",
    ConversationStateUpdated => "conversation.state-updated",
    ConversationClosed => "conversation.closed",
    MessageAdded => "conversation.message.added",
    MessageDeliveryUpdated => "conversation.message.delivery-updated",
    ParticipantAdded => "conversation.participant.added",
    // Park / unpark (issue 22): an agent parked the conversation; the customer's message (or a
    // supervisor) brought it back as a new task.
    ConversationParked => "conversation.parked",
    ConversationUnparked => "conversation.unparked",
    ParticipantRemoved => "conversation.participant.removed",
    ChannelSessionCreated => "channel.session.created",
    ChannelSessionClosed => "channel.session.closed",
    InteractionCreated => "interaction.created",
    InteractionChannelUpdated => "interaction.channel.updated",
    OutboundMessageQueued => "message.outbound.queued",
    OutboundMessageSent => "message.outbound.sent",
    OutboundMessageFailed => "message.outbound.failed",
    // Api 2010 Messages and Calls (issue 18): each state an API caller's message or call reaches.
    ApiMessageStatus => "message.api.status",
    ApiCallStatus => "call.api.status",
    // A supervisor joined an accepted reservation (`Instruction=supervise`; switchboard's own).
    SupervisorJoined => "supervisor.joined",
    // Voice.
    CallStatusUpdated => "call.status-updated",
    // Callbacks (issue 22): a caller's request, the agent's call back and the carrier's answer.
    CallbackRequested => "callback.requested",
    CallbackDialing => "callback.dialing",
    CallbackDialed => "callback.dialed",
    CallbackFailed => "callback.failed",
    // Operations.
    WebhookFailed => "webhook.failed",
    CheckupCleaned => "system.checkup.cleaned",
}

/// An event to append in a write transaction (`store::events::append`).
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: EventType,
    pub workspace_sid: Option<String>,
    /// The resource the event is about, e.g. `task` / `WT…`.
    pub resource_type: &'static str,
    pub resource_sid: String,
    pub actor_sid: Option<String>,
    pub description: String,
    /// The event's payload, with fields as Twilio's callbacks carry them (`TaskSid`, …).
    pub data: Value,
}

impl NewEvent {
    pub fn new(
        kind: EventType,
        resource_type: &'static str,
        resource_sid: impl Into<String>,
    ) -> NewEvent {
        NewEvent {
            kind,
            workspace_sid: None,
            resource_type,
            resource_sid: resource_sid.into(),
            actor_sid: None,
            description: String::new(),
            data: Value::Object(Default::default()),
        }
    }

    pub fn workspace(mut self, sid: impl Into<String>) -> NewEvent {
        self.workspace_sid = Some(sid.into());
        self
    }

    pub fn actor(mut self, sid: impl Into<String>) -> NewEvent {
        self.actor_sid = Some(sid.into());
        self
    }

    pub fn describe(mut self, description: impl Into<String>) -> NewEvent {
        self.description = description.into();
        self
    }

    pub fn data(mut self, data: Value) -> NewEvent {
        self.data = data;
        self
    }
}

/// A stored event, as subscribers receive it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The outbox position: strictly increasing, the order events committed in.
    pub seq: i64,
    pub sid: String,
    pub account_sid: String,
    pub workspace_sid: Option<String>,
    pub kind: EventType,
    pub resource_type: String,
    pub resource_sid: String,
    pub actor_sid: Option<String>,
    pub description: String,
    pub data: Value,
    pub created_at: i64,
}
