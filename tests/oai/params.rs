//! What the conformance test (tests/oai_conformance.rs) sends to each path + method of Twilio's
//! definitions: the form parameters of creates and updates (the required ones and a few more), and
//! the query of the lists that need one. `x` gives what the test seeded (`workflow`, `queue`,
//! `web_flow`, …); `n` keeps unique names unique.

use serde_json::json;

pub const OUR_NUMBER: &str = "+15550001000";
pub const CUSTOMER: &str = "+15550002000";

pub fn params(
    method: &str,
    t: &str,
    n: usize,
    x: &dyn Fn(&str) -> String,
) -> Vec<(String, String)> {
    let flow = json!({"description": "oai", "initial_state": "Trigger",
            "flags": {"allow_concurrent_calls": true},
            "states": [
              {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [
                {"event": "incomingMessage"}, {"event": "incomingCall"},
                {"event": "incomingConversationMessage"},
                {"event": "incomingRequest", "next": "set"}]},
              {"name": "set", "type": "set-variables",
               "properties": {"variables": [{"key": "a", "value": "1"}]},
               "transitions": [{"event": "next"}]}]})
    .to_string();
    let tail = t.trim_start_matches("/v1").trim_start_matches("/v2");
    let p: Vec<(&str, String)> = match (method, tail) {
        ("POST", "/Workspaces") => vec![("FriendlyName", format!("oai ws {n}"))],
        ("POST", "/Workspaces/{Sid}") => vec![("FriendlyName", "oai ws".into())],
        ("POST", "/Workspaces/{WorkspaceSid}/Activities") => vec![
            ("FriendlyName", format!("Lunch {n}")),
            ("Available", "false".into()),
        ],
        ("POST", "/Workspaces/{WorkspaceSid}/Activities/{Sid}") => {
            vec![("FriendlyName", format!("Break {n}"))]
        }
        ("POST", "/Workspaces/{WorkspaceSid}/Tasks") => vec![
            ("WorkflowSid", x("workflow")),
            ("Attributes", r#"{"skill":"none"}"#.into()),
            ("Priority", "3".into()),
            ("Timeout", "600".into()),
            ("TaskChannel", "voice".into()),
        ],
        ("POST", "/Workspaces/{WorkspaceSid}/Tasks/{Sid}") => vec![("Priority", "5".into())],
        ("POST", "/Workspaces/{WorkspaceSid}/TaskChannels") => vec![
            ("FriendlyName", format!("Channel {n}")),
            ("UniqueName", format!("oai{n}")),
        ],
        ("POST", "/Workspaces/{WorkspaceSid}/TaskChannels/{Sid}") => {
            vec![("FriendlyName", format!("Channel {n}"))]
        }
        ("POST", "/Workspaces/{WorkspaceSid}/TaskQueues") => vec![
            ("FriendlyName", format!("Queue {n}")),
            ("TargetWorkers", "skill == 'none'".into()),
            ("MaxReservedWorkers", "2".into()),
            ("TaskOrder", "LIFO".into()),
        ],
        ("POST", "/Workspaces/{WorkspaceSid}/TaskQueues/{Sid}") => {
            vec![("FriendlyName", format!("Queue {n}"))]
        }
        ("POST", "/Workspaces/{WorkspaceSid}/TaskQueues/RealTimeStatistics") => {
            vec![("QueueSids", x("queue"))]
        }
        ("POST", "/Workspaces/{WorkspaceSid}/Tasks/{TaskSid}/Reservations/{Sid}") => {
            vec![("ReservationStatus", "accepted".into())]
        }
        ("POST", "/Workspaces/{WorkspaceSid}/Workers") => {
            vec![
                ("FriendlyName", format!("worker {n}")),
                ("Attributes", r#"{"skill":"spare"}"#.into()),
            ]
        }
        ("POST", "/Workspaces/{WorkspaceSid}/Workers/{Sid}") => {
            vec![("Attributes", r#"{"skill":"oai","languages":["en"]}"#.into())]
        }
        ("POST", "/Workspaces/{WorkspaceSid}/Workers/{WorkerSid}/Channels/{Sid}") => {
            vec![("Capacity", "2".into())]
        }
        ("POST", "/Workspaces/{WorkspaceSid}/Workflows") => vec![
            ("FriendlyName", format!("Workflow {n}")),
            (
                "Configuration",
                json!({"task_routing": {"default_filter": {"queue": x("queue")}}}).to_string(),
            ),
        ],
        ("POST", "/Workspaces/{WorkspaceSid}/Workflows/{Sid}") => {
            vec![("FriendlyName", format!("Workflow {n}"))]
        }
        ("POST", "/Flows") | ("POST", "/Flows/Validate") => vec![
            ("FriendlyName", format!("oai flow {n}")),
            ("Status", "published".into()),
            ("Definition", flow),
            ("CommitMessage", "first".into()),
        ],
        ("POST", "/Flows/{Sid}") => vec![
            ("Status", "published".into()),
            ("Definition", flow),
            ("CommitMessage", "second".into()),
        ],
        ("POST", "/Flows/{FlowSid}/Executions") => vec![
            ("To", CUSTOMER.into()),
            ("From", OUR_NUMBER.into()),
            ("Parameters", r#"{"k":"v"}"#.into()),
        ],
        ("POST", "/Flows/{FlowSid}/Executions/{Sid}") => vec![("Status", "ended".into())],
        ("POST", "/Flows/{Sid}/TestUsers") => vec![("TestUsers", "oai-tester".into())],
        // Flex
        ("POST", "/Channels") => vec![
            ("FlexFlowSid", x("web_flow")),
            ("Identity", format!("oai-chat-{n}")),
            ("ChatUserFriendlyName", "Customer".into()),
            ("ChatFriendlyName", "Chat".into()),
        ],
        ("POST", "/WebChannels") => vec![
            ("FlexFlowSid", x("web_flow")),
            ("Identity", format!("oai-web-{n}")),
            ("CustomerFriendlyName", "Customer".into()),
            ("ChatFriendlyName", "Chat".into()),
        ],
        ("POST", "/WebChannels/{Sid}") => vec![("ChatStatus", "inactive".into())],
        ("POST", "/FlexFlows") => vec![
            ("FriendlyName", format!("oai flex flow {n}")),
            ("ChatServiceSid", x("chat_service")),
            ("ChannelType", "sms".into()),
            ("ContactIdentity", format!("+1555010{n:04}")),
            ("IntegrationType", "external".into()),
            ("Integration.Url", "http://127.0.0.1:9/oai".into()),
            ("Enabled", "false".into()),
        ],
        ("POST", "/FlexFlows/{Sid}") => vec![("FriendlyName", format!("oai flex flow {n}"))],
        ("POST", "/Interactions") => vec![(
            "Channel",
            json!({"type": "sms", "properties": {"media_channel_sid": x("spare_conv")}})
                .to_string(),
        )],
        ("POST", "/Interactions/{Sid}") => {
            vec![("WebhookTtid", "flex_interactionwebhook_oai".into())]
        }
        ("POST", "/Interactions/{InteractionSid}/Channels/{Sid}") => {
            vec![("Status", "inactive".into())]
        }
        ("POST", "/Interactions/{InteractionSid}/Channels/{ChannelSid}/Invites") => vec![(
            "Routing",
            json!({"properties": {"workspace_sid": x("flex_ws"),
                    "workflow_sid": x("flex_wf"), "task_channel_unique_name": "sms",
                    "attributes": {"from": CUSTOMER}}})
            .to_string(),
        )],
        ("POST", "/Interactions/{InteractionSid}/Channels/{ChannelSid}/Participants") => vec![
            ("Type", "supervisor".into()),
            (
                "MediaProperties",
                json!({"identity": "oai-supervisor"}).to_string(),
            ),
        ],
        ("POST", "/Interactions/{InteractionSid}/Channels/{ChannelSid}/Participants/{Sid}") => {
            vec![("Status", "wrapup".into())]
        }
        ("POST", "/Interactions/{InteractionSid}/Channels/{ChannelSid}/Transfers") => {
            vec![("Type", "cold".into()), ("To", x("bob"))]
        }
        ("POST", "/Interactions/{InteractionSid}/Channels/{ChannelSid}/Transfers/{Sid}") => {
            vec![("Status", "failed".into())]
        }
        // Conversations
        ("POST", "/Configuration/Addresses") => vec![
            ("Type", "sms".into()),
            ("Address", format!("+1555020{n:04}")),
            ("FriendlyName", "oai address".into()),
        ],
        ("POST", "/Configuration/Addresses/{Sid}") => vec![("FriendlyName", "renamed".into())],
        ("POST", "/Conversations") | ("POST", "/Services/{ChatServiceSid}/Conversations") => {
            vec![
                ("FriendlyName", format!("oai conversation {n}")),
                ("UniqueName", format!("oai-{n}")),
                ("Attributes", r#"{"topic":"billing"}"#.into()),
            ]
        }
        ("POST", "/Conversations/{Sid}")
        | ("POST", "/Services/{ChatServiceSid}/Conversations/{Sid}") => {
            vec![("FriendlyName", "renamed".into())]
        }
        ("POST", "/Conversations/{ConversationSid}/Messages")
        | ("POST", "/Services/{ChatServiceSid}/Conversations/{ConversationSid}/Messages") => {
            vec![
                ("Body", "hello".into()),
                ("Author", "oai-user".into()),
                ("Attributes", r#"{"k":"v"}"#.into()),
            ]
        }
        ("POST", "/Conversations/{ConversationSid}/Messages/{Sid}")
        | ("POST", "/Services/{ChatServiceSid}/Conversations/{ConversationSid}/Messages/{Sid}") => {
            vec![("Body", "edited".into())]
        }
        ("POST", "/Conversations/{ConversationSid}/Participants")
        | ("POST", "/Services/{ChatServiceSid}/Conversations/{ConversationSid}/Participants") => {
            vec![("Identity", format!("oai-user-{n}"))]
        }
        ("POST", "/Conversations/{ConversationSid}/Participants/{Sid}")
        | (
            "POST",
            "/Services/{ChatServiceSid}/Conversations/{ConversationSid}/Participants/{Sid}",
        ) => {
            vec![("Attributes", r#"{"a":1}"#.into())]
        }
        ("POST", "/Conversations/{ConversationSid}/Webhooks")
        | ("POST", "/Services/{ChatServiceSid}/Conversations/{ConversationSid}/Webhooks") => {
            vec![
                ("Target", "webhook".into()),
                ("Configuration.Url", "http://127.0.0.1:9/hook".into()),
                ("Configuration.Filters", "onMessageAdded".into()),
            ]
        }
        ("POST", "/Conversations/{ConversationSid}/Webhooks/{Sid}")
        | ("POST", "/Services/{ChatServiceSid}/Conversations/{ConversationSid}/Webhooks/{Sid}") => {
            vec![("Configuration.Url", "http://127.0.0.1:9/hook2".into())]
        }
        ("POST", "/ConversationWithParticipants")
        | ("POST", "/Services/{ChatServiceSid}/ConversationWithParticipants") => vec![
            ("FriendlyName", format!("with participants {n}")),
            (
                "Participant",
                json!({"identity": format!("oai-cwp-{n}")}).to_string(),
            ),
        ],
        ("POST", "/Credentials") => vec![
            ("Type", "fcm".into()),
            ("FriendlyName", "push".into()),
            ("Secret", "s3cret".into()),
        ],
        ("POST", "/Credentials/{Sid}") => vec![("FriendlyName", "push 2".into())],
        ("POST", "/Roles") | ("POST", "/Services/{ChatServiceSid}/Roles") => vec![
            ("FriendlyName", format!("oai role {n}")),
            ("Type", "conversation".into()),
            ("Permission", "sendMessage".into()),
        ],
        ("POST", "/Roles/{Sid}") | ("POST", "/Services/{ChatServiceSid}/Roles/{Sid}") => {
            vec![("Permission", "sendMessage".into())]
        }
        ("POST", "/Services") => vec![("FriendlyName", format!("oai service {n}"))],
        ("POST", "/Users") | ("POST", "/Services/{ChatServiceSid}/Users") => vec![
            ("Identity", format!("oai-user-{n}")),
            ("FriendlyName", "OAI".into()),
        ],
        ("POST", "/Users/{Sid}") | ("POST", "/Services/{ChatServiceSid}/Users/{Sid}") => {
            vec![("FriendlyName", "OAI 2".into())]
        }
        ("POST", "/Users/{UserSid}/Conversations/{ConversationSid}")
        | ("POST", "/Services/{ChatServiceSid}/Users/{UserSid}/Conversations/{ConversationSid}") => {
            vec![("NotificationLevel", "muted".into())]
        }
        ("GET", "/ParticipantConversations")
        | ("GET", "/Services/{ChatServiceSid}/ParticipantConversations") => {
            vec![("Identity", "oai-user".into())]
        }
        // Api 2010
        ("POST", "/2010-04-01/Accounts.json") => vec![("FriendlyName", "oai sub".into())],
        ("POST", "/2010-04-01/Accounts/{Sid}.json") => {
            vec![("FriendlyName", "Switchboard".into())]
        }
        ("POST", "/2010-04-01/Accounts/{AccountSid}/Keys.json")
        | ("POST", "/2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json") => {
            vec![("FriendlyName", format!("oai key {n}"))]
        }
        ("POST", "/2010-04-01/Accounts/{AccountSid}/Messages.json") => vec![
            ("To", CUSTOMER.into()),
            ("From", OUR_NUMBER.into()),
            ("Body", format!("oai message {n}")),
        ],
        ("POST", "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json") => {
            vec![("Body", String::new())]
        }
        ("POST", "/2010-04-01/Accounts/{AccountSid}/Calls.json") => vec![
            ("To", CUSTOMER.into()),
            ("From", OUR_NUMBER.into()),
            ("Twiml", "<Response><Say>oai</Say></Response>".into()),
        ],
        ("POST", "/2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json") => {
            vec![("Status", "completed".into())]
        }
        _ => vec![],
    };
    p.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}
