//! Message components, modals and autocomplete: the bot sends them through serenity's builders,
//! members click, choose and submit, and the bot's answers are checked and recorded.

use firebreak_testkit::discord::DiscordServer;
use serde_json::{Value, json};
use serenity::all::{
    ActionRowComponent, ChannelId, ComponentInteractionDataKind, CreateActionRow, CreateAutocompleteResponse,
    CreateButton, CreateInputText, CreateInteractionResponse, CreateInteractionResponseMessage, CreateMessage,
    CreateModal, CreateSelectMenu, CreateSelectMenuKind, CreateSelectMenuOption, EditInteractionResponse,
    InputTextStyle, Interaction, Message, UserId,
};

use super::{Watching, discord_error, watch};

/// The incident card the bot posts: a button, a link, a severity menu and a commander picker.
async fn post_card(watching: &Watching, channel: u64) -> Message {
    let buttons = CreateActionRow::Buttons(vec![
        CreateButton::new("ack").label("Acknowledge"),
        CreateButton::new("resolve").label("Resolve"),
        CreateButton::new_link("https://runbooks.example/checkout").label("Runbook"),
    ]);
    let severities = vec![CreateSelectMenuOption::new("SEV1", "sev1"), CreateSelectMenuOption::new("SEV2", "sev2")];
    let severity = CreateSelectMenu::new("severity", CreateSelectMenuKind::String { options: severities });
    let commander = CreateSelectMenu::new("commander", CreateSelectMenuKind::User { default_users: None });
    let rows = vec![buttons, CreateActionRow::SelectMenu(severity), CreateActionRow::SelectMenu(commander)];
    let card = CreateMessage::new().content("INC-7 declared: checkout 502s").components(rows);
    ChannelId::new(channel).send_message(&watching.http, card).await.expect("the card is valid")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_click_and_choose_and_the_bot_answers_in_place_or_with_a_new_message() {
    let discord = DiscordServer::start().await;
    let alice = discord.add_member("alice", &[]);
    let bob = discord.add_member("bob", &[]);
    let ops = discord.add_text_channel("ops", None);
    let mut watching = watch(&discord).await;
    let card = post_card(&watching, ops).await;
    let http = std::sync::Arc::clone(&watching.http);

    let chose = discord.choose(card.id.get(), alice, "severity", &["sev2"]);
    let Interaction::Component(severity) = watching.interaction().await else { panic!("not a component") };
    severity.create_response(&http, CreateInteractionResponse::Acknowledge).await.unwrap();
    severity
        .edit_response(&http, EditInteractionResponse::new().content("INC-7 declared: checkout 502s (SEV2)"))
        .await
        .unwrap();
    discord.choose(card.id.get(), alice, "commander", &[&bob.to_string()]);
    let Interaction::Component(commander) = watching.interaction().await else { panic!("not a component") };
    let named = CreateInteractionResponseMessage::new().content(format!("<@{bob}> is incident commander"));
    commander.create_response(&http, CreateInteractionResponse::Message(named)).await.unwrap();
    discord.click_button(card.id.get(), alice, "ack");
    let Interaction::Component(ack) = watching.interaction().await else { panic!("not a component") };
    let acknowledged =
        CreateInteractionResponseMessage::new().content("INC-7 acknowledged by alice").components(Vec::new());
    ack.create_response(&http, CreateInteractionResponse::UpdateMessage(acknowledged)).await.unwrap();

    assert!(
        matches!(&severity.data.kind, ComponentInteractionDataKind::StringSelect { values } if values == &["sev2"])
    );
    assert_eq!((severity.message.id, severity.user.id.get()), (card.id, alice));
    assert!(
        matches!(&commander.data.kind, ComponentInteractionDataKind::UserSelect { values } if values == &[UserId::new(bob)])
    );
    assert!(matches!(ack.data.kind, ComponentInteractionDataKind::Button));
    let record = discord.interaction(chose.id).unwrap();
    assert_eq!((record.kind, record.name.as_str(), record.message_id), (3, "severity", Some(card.id.get())));
    assert_eq!(record.callbacks[0].kind, 6);
    let messages = discord.channel_messages(ops);
    let contents: Vec<&str> = messages.iter().map(|message| message["content"].as_str().unwrap()).collect();
    assert_eq!(contents, ["INC-7 acknowledged by alice", format!("<@{bob}> is incident commander").as_str()]);
    assert_eq!(messages[0]["id"], json!(card.id.to_string()), "the card was edited in place");
    assert_eq!(messages[0]["components"], json!([]));
    let history = discord.message_history(card.id.get());
    let versions: Vec<&str> = history.iter().map(|revision| revision.body["content"].as_str().unwrap()).collect();
    assert_eq!(
        versions,
        ["INC-7 declared: checkout 502s", "INC-7 declared: checkout 502s (SEV2)", "INC-7 acknowledged by alice"]
    );
    assert_eq!(discord.pings(messages[1]["id"].as_str().unwrap().parse().unwrap()).unwrap().users, [bob]);
}

#[tokio::test]
async fn components_are_held_to_discords_layout_rules() {
    let discord = DiscordServer::start().await;
    let ops = ChannelId::new(discord.add_text_channel("ops", None));
    let http = super::client_http(&discord, discord.token());
    let button = |custom_id: &str| CreateButton::new(custom_id).label("Go");
    let send =
        |rows: Vec<CreateActionRow>| ops.send_message(&http, CreateMessage::new().content("card").components(rows));

    let six_buttons =
        send(vec![CreateActionRow::Buttons((0..6).map(|index| button(&format!("b{index}"))).collect())]).await;
    let twice =
        send(vec![CreateActionRow::Buttons(vec![button("same")]), CreateActionRow::Buttons(vec![button("same")])])
            .await;
    let six_rows =
        send((0..6).map(|index| CreateActionRow::Buttons(vec![button(&format!("r{index}"))])).collect()).await;
    let long_label = send(vec![CreateActionRow::Buttons(vec![CreateButton::new("x").label("l".repeat(81))])]).await;

    assert_eq!(discord_error(six_buttons.unwrap_err()), (400, 50035, vec!["components.0.components".to_owned()]));
    assert_eq!(discord_error(twice.unwrap_err()), (400, 50035, vec!["components.1.components.0.custom_id".to_owned()]));
    assert_eq!(discord_error(six_rows.unwrap_err()), (400, 50035, vec!["components".to_owned()]));
    assert_eq!(
        discord_error(long_label.unwrap_err()),
        (400, 50035, vec!["components.0.components.0.label".to_owned()])
    );
    assert!(discord.channel_messages(ops.get()).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_modal_opened_from_a_button_is_submitted_with_multi_line_values_kept_exactly() {
    let discord = DiscordServer::start().await;
    let alice = discord.add_member("alice", &[]);
    let ops = discord.add_text_channel("ops", None);
    let mut watching = watch(&discord).await;
    let card = post_card(&watching, ops).await;
    let http = std::sync::Arc::clone(&watching.http);
    let cause = "pool size 2 shipped\nfrom a test profile\n\n  (see deploy 4411)";

    let clicked = discord.click_button(card.id.get(), alice, "resolve");
    let Interaction::Component(resolve) = watching.interaction().await else { panic!("not a component") };
    let inputs = vec![
        CreateActionRow::InputText(
            CreateInputText::new(InputTextStyle::Paragraph, "Root cause", "cause").max_length(4000),
        ),
        CreateActionRow::InputText(CreateInputText::new(InputTextStyle::Short, "Mitigation", "fix")),
        CreateActionRow::InputText(CreateInputText::new(InputTextStyle::Short, "Category", "category").required(false)),
    ];
    let modal = CreateModal::new("resolve-inc-7", "Resolve INC-7").components(inputs);
    resolve.create_response(&http, CreateInteractionResponse::Modal(modal)).await.unwrap();
    discord.submit_modal(clicked.id, &[("cause", cause), ("fix", "rolled back checkout-api")]);
    let Interaction::Modal(submitted) = watching.interaction().await else { panic!("not a modal submission") };
    let as_modal = CreateModal::new("again", "Not twice").components(Vec::new());
    let refused = submitted.create_response(&http, CreateInteractionResponse::Modal(as_modal)).await;
    let bad_title = discord.click_button(card.id.get(), alice, "resolve");
    let Interaction::Component(second) = watching.interaction().await else { panic!("not a component") };
    let long = CreateModal::new("resolve-inc-7", "t".repeat(46))
        .components(vec![CreateActionRow::InputText(CreateInputText::new(InputTextStyle::Short, "Cause", "cause"))]);
    let too_long = second.create_response(&http, CreateInteractionResponse::Modal(long)).await;

    let record = discord.interaction(clicked.id).unwrap();
    assert_eq!(record.modal().unwrap()["title"], "Resolve INC-7");
    assert_eq!(submitted.data.custom_id, "resolve-inc-7");
    let values: Vec<(String, Option<String>)> = submitted
        .data
        .components
        .iter()
        .flat_map(|row| &row.components)
        .map(|component| match component {
            ActionRowComponent::InputText(input) => (input.custom_id.clone(), input.value.clone()),
            other => panic!("not a text input: {other:?}"),
        })
        .collect();
    assert_eq!(
        values,
        [
            ("cause".to_owned(), Some(cause.to_owned())),
            ("fix".to_owned(), Some("rolled back checkout-api".to_owned())),
            ("category".to_owned(), Some(String::new())),
        ]
    );
    assert_eq!(submitted.message.as_ref().map(|message| message.id), Some(card.id));
    assert_eq!(discord_error(refused.unwrap_err()), (400, 50035, vec!["type".to_owned()]));
    assert_eq!(discord_error(too_long.unwrap_err()), (400, 50035, vec!["data.title".to_owned()]));
    assert!(discord.interaction(bad_title.id).unwrap().callbacks.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autocomplete_requests_are_answered_with_at_most_twenty_five_recorded_choices() {
    let discord = DiscordServer::start().await;
    let alice = discord.add_member("alice", &[]);
    let ops = discord.add_text_channel("ops", None);
    let mut watching = watch(&discord).await;
    let http = std::sync::Arc::clone(&watching.http);
    let typing = |partial: &str| {
        json!([{ "name": "declare", "type": 1, "options": [
            { "name": "title", "type": 3, "value": "checkout down" },
            { "name": "service", "type": 3, "value": partial, "focused": true },
        ]}])
    };

    let asked = discord.autocomplete(ops, alice, "incident", typing("chec"));
    let Interaction::Autocomplete(request) = watching.interaction().await else { panic!("not autocomplete") };
    let focused = request.data.autocomplete().unwrap();
    let (name, value) = (focused.name.to_owned(), focused.value.to_owned());
    let choices = CreateAutocompleteResponse::new()
        .add_string_choice("checkout", "checkout")
        .add_string_choice("checkout-db", "checkout-db");
    request.create_response(&http, CreateInteractionResponse::Autocomplete(choices)).await.unwrap();
    discord.autocomplete(ops, alice, "incident", typing("c"));
    let Interaction::Autocomplete(many) = watching.interaction().await else { panic!("not autocomplete") };
    let too_many = (0..26).fold(CreateAutocompleteResponse::new(), |response, index| {
        response.add_string_choice(format!("service-{index}"), format!("service-{index}"))
    });
    let refused = many.create_response(&http, CreateInteractionResponse::Autocomplete(too_many)).await;
    discord.autocomplete(ops, alice, "incident", typing(""));
    let Interaction::Autocomplete(wrong) = watching.interaction().await else { panic!("not autocomplete") };
    let message = CreateInteractionResponseMessage::new().content("not a choice list");
    let wrong_type = wrong.create_response(&http, CreateInteractionResponse::Message(message)).await;

    assert_eq!((name.as_str(), value.as_str()), ("service", "chec"));
    let record = discord.interaction(asked.id).unwrap();
    assert_eq!(record.kind, 4);
    let offered: Vec<Value> = record.choices().unwrap();
    assert_eq!(
        offered,
        [json!({ "name": "checkout", "value": "checkout" }), json!({ "name": "checkout-db", "value": "checkout-db" })]
    );
    assert_eq!(discord_error(refused.unwrap_err()), (400, 50035, vec!["data.choices".to_owned()]));
    assert_eq!(discord_error(wrong_type.unwrap_err()), (400, 50035, vec!["type".to_owned()]));
}
