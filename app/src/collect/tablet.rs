//! The survey on the tablet, once the page is live (JavaScript on).
//!
//! - The same forms as without JavaScript are caught and moved on with the
//!   same step machine (`domain::progress`), so screens change without page
//!   loads and work with the network down.
//! - Answers in progress are kept in the browser's storage, so a refresh
//!   loses nothing.
//! - A finished survey goes into an outbox in storage first, then is sent to
//!   `POST /api/v1/responses`; it leaves the outbox only once the server has
//!   acknowledged it, and is retried with backoff until then. Its client id
//!   makes the server store it once however often it is sent.
//! - Kiosk mode, set by a worker opening the survey link with `?kiosk`,
//!   returns to the welcome screen after "thank you" or after a spell with
//!   no touch, and leaves no answers behind on the device or in its history.

use super::{Stage, SurveyState};
use crate::domain::answers::Answers;
use crate::domain::outbox::{self, Answer, Lease, Next, OutboxItem};
use crate::domain::progress::{Progress, Step};
use crate::domain::receipt::Receipt;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Each waiting survey under a key of its own (`heard.outbox.<client id>`),
/// so that tabs writing at once never overwrite each other's surveys.
const OUTBOX_PREFIX: &str = "heard.outbox.";
/// Where an earlier Heard kept the whole outbox as one list.
const OLD_OUTBOX: &str = "heard.outbox";
const LEASE: &str = "heard.lease";
const KIOSK: &str = "heard.kiosk";
/// Default idle time in kiosk mode before the tablet returns to welcome.
const KIOSK_IDLE_SECONDS: u32 = 180;
/// How long "thank you" stays up in kiosk mode.
const KIOSK_THANKS_SECONDS: u32 = 10;

fn progress_key(code: &str) -> String {
    format!("heard.progress.{code}")
}

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn load<T: for<'de> Deserialize<'de>>(key: &str) -> Option<T> {
    let text = storage()?.get_item(key).ok().flatten()?;
    serde_json::from_str(&text).ok()
}

fn save<T: Serialize>(key: &str, value: &T) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(value)) {
        let _ = storage.set_item(key, &text);
    }
}

fn forget(key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(key);
    }
}

/// A random UUID (v4) from the browser's cryptographic random numbers
/// (`getRandomValues` works on plain-HTTP school networks too, unlike
/// `randomUUID`).
fn new_client_id() -> String {
    let mut bytes = [0u8; 16];
    if let Ok(crypto) = window().crypto() {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// Called once the page is live: picks up answers in progress after a
/// refresh, applies kiosk settings, and sends anything waiting.
pub fn take_over(state: RwSignal<SurveyState>, for_worker: RwSignal<Vec<String>>) {
    let current = state.get_untracked();
    // A worker opening the kiosk link sees what this tablet could not send.
    if apply_kiosk_link(&current.code) {
        for_worker.set(refused());
    }
    if current.stage == Stage::Answering
        && current.progress.step == 0
        && let Some(progress) = load::<Progress>(&progress_key(&current.code))
    {
        state.update(|s| s.progress = progress);
    }
    if kiosk_settings().is_some() {
        watch_idle(state);
    }
    send_when_back_online();
    start_outbox();
}

/// Whether a worker opened this page with the kiosk link (`?kiosk`).
pub fn kiosk_link_opened() -> bool {
    window().location().search().is_ok_and(|search| {
        form_urlencoded_pairs(search.trim_start_matches('?'))
            .iter()
            .any(|(k, _)| k == "kiosk")
    })
}

/// When the browser says the network is back, what waits is due at once,
/// not after the rest of its backoff.
fn send_when_back_online() {
    let on_online = Closure::<dyn Fn()>::new(|| {
        for mut item in outbox().into_iter().filter(|i| i.refused.is_none()) {
            item.due_at = 0.0;
            keep(&item);
        }
        start_outbox();
    });
    let _ = window().add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
    on_online.forget();
}

/// A form of the survey was submitted: move one step on the device.
pub fn on_submit(event: &web_sys::SubmitEvent, state: RwSignal<SurveyState>) {
    let Some(form) = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
    else {
        return;
    };
    event.prevent_default();
    let mut fields = form_fields(&form);
    if let Some(button) = event.submitter()
        && let (Some(name), Some(value)) =
            (button.get_attribute("name"), button.get_attribute("value"))
    {
        fields.push((name, value));
    }
    let current = state.get_untracked();
    let Ok((progress, nav)) = Progress::from_form(&fields) else {
        return;
    };
    match progress.advance(nav, &current.survey) {
        Step::Show(progress) => {
            save(&progress_key(&current.code), &progress);
            state.set(SurveyState {
                progress,
                stage: Stage::Answering,
                receipt: None,
                ..current
            });
        }
        Step::Send(progress) => send(state, current, progress),
    }
    after_screen_change();
}

fn send(state: RwSignal<SurveyState>, current: SurveyState, progress: Progress) {
    let answers = match Answers::validate(&current.survey, progress.answers.clone()) {
        Ok(answers) => answers,
        Err(error) => {
            state.set(SurveyState {
                progress,
                stage: Stage::Problem(format!(
                    "Some answers could not be sent ({error}). Go back and check them."
                )),
                ..current
            });
            return;
        }
    };
    let client_id = progress.client_id.clone();
    enqueue(OutboxItem::new(
        client_id.clone(),
        submission_json(&current, &client_id, &answers),
    ));
    forget(&progress_key(&current.code));
    state.set(SurveyState {
        progress: Progress::start(new_client_id()),
        stage: Stage::Sending,
        receipt: Receipt::for_client_id(&client_id).map(|r| r.to_string()),
        ..current
    });
    leptos::task::spawn_local(async move {
        flush_outbox().await;
        let waiting = outbox().iter().any(|item| item.client_id == client_id);
        // The outbox keeps the answers whatever happens to this page.
        state.try_update(|s| {
            if s.stage == Stage::Sending {
                s.stage = if waiting { Stage::Queued } else { Stage::Sent };
            }
        });
        after_screen_change();
        start_outbox();
        if kiosk_settings().is_some() {
            reset_after(state, KIOSK_THANKS_SECONDS);
        }
    });
}

/// The body `POST /api/v1/responses` takes, with the round's open token
/// and the time of finishing, so that it is taken even if it reaches Heard
/// after the round closed (see `domain::late`).
fn submission_json(state: &SurveyState, client_id: &str, answers: &Answers) -> String {
    let mut map = serde_json::Map::new();
    for (key, values) in answers.iter() {
        let many = state
            .survey
            .question(key)
            .is_some_and(|q| q.kind.takes_several());
        let value = if many {
            serde_json::Value::from(values.to_vec())
        } else {
            serde_json::Value::from(values.first().cloned().unwrap_or_default())
        };
        map.insert(key.to_owned(), value);
    }
    serde_json::json!({
        "join_code": state.code,
        "client_id": client_id,
        "answers": map,
        "open_token": state.open_token,
        "finished_at": (js_sys::Date::now() / 1000.0) as i64,
    })
    .to_string()
}

/// The name/value pairs a form would post.
fn form_fields(form: &web_sys::HtmlFormElement) -> Vec<(String, String)> {
    let Ok(data) = web_sys::FormData::new_with_form(form) else {
        return Vec::new();
    };
    let mut fields = Vec::new();
    if let Ok(Some(entries)) = js_sys::try_iter(&data) {
        for entry in entries.flatten() {
            let pair = js_sys::Array::from(&entry);
            if let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                fields.push((name, value));
            }
        }
    }
    fields
}

/// After a screen changes without a page load: back to the top, and focus
/// on the heading so a screen reader says the new question.
fn after_screen_change() {
    request_animation_frame(|| {
        window().scroll_to_with_x_and_y(0.0, 0.0);
        if let Some(heading) = document()
            .query_selector("main h1")
            .ok()
            .flatten()
            .and_then(|h| h.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = heading.set_attribute("tabindex", "-1");
            let _ = heading.focus();
        }
    });
}

// --- The outbox (its rules: `domain::outbox`) ---

/// Every waiting survey, oldest first.
fn outbox() -> Vec<OutboxItem> {
    let Some(storage) = storage() else {
        return Vec::new();
    };
    let keys: Vec<String> = (0..storage.length().unwrap_or(0))
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter(|key| key.starts_with(OUTBOX_PREFIX))
        .collect();
    let mut items: Vec<OutboxItem> = keys.iter().filter_map(|key| load(key)).collect();
    items.sort_by(|a, b| a.queued_at.total_cmp(&b.queued_at));
    items
}

fn item_key(client_id: &str) -> String {
    format!("{OUTBOX_PREFIX}{client_id}")
}

/// Stores `item` under its own key.
fn keep(item: &OutboxItem) {
    save(&item_key(&item.client_id), item);
}

fn enqueue(mut item: OutboxItem) {
    if load::<OutboxItem>(&item_key(&item.client_id)).is_none() {
        item.queued_at = js_sys::Date::now();
        keep(&item);
    }
}

/// Moves an outbox kept as one list by an earlier Heard to a key per
/// survey: nothing finished on this tablet is lost in an update.
fn move_old_outbox() {
    if let Some(items) = load::<Vec<OutboxItem>>(OLD_OUTBOX) {
        for item in items {
            enqueue(item);
        }
        forget(OLD_OUTBOX);
    }
}

/// Puts the outcome of a try into storage. Only this survey's key is
/// written, and only while it is still there (another tab may have had it
/// stored meanwhile).
fn settle(client_id: &str, next: Next) {
    let key = item_key(client_id);
    match next {
        Next::Done => forget(&key),
        Next::Retry(item) | Next::Refused(item) => {
            if load::<OutboxItem>(&key).is_some() {
                keep(&item);
            }
        }
    }
}

/// What Heard refused for good and waits on this tablet for a worker.
pub fn refused() -> Vec<String> {
    outbox().into_iter().filter_map(|i| i.refused).collect()
}

/// A worker pressed Try again on the kiosk's list of refused surveys.
pub fn retry_refused() {
    let mut items = outbox();
    outbox::retry_refused(&mut items);
    for item in &items {
        keep(item);
    }
    start_outbox();
}

thread_local! {
    /// This tab's name for the sending lease.
    static TAB: String = new_client_id();
}

/// Takes the sending lease unless another tab holds it: several tabs of
/// one tablet share the outbox and one sends at a time (Heard stores a
/// survey once however often it comes, so this only saves requests).
fn take_lease() -> bool {
    let now = js_sys::Date::now();
    let me = TAB.with(Clone::clone);
    if !outbox::may_send(load::<Lease>(LEASE).as_ref(), &me, now) {
        return false;
    }
    save(
        LEASE,
        &Lease {
            tab: me.clone(),
            until: now + outbox::LEASE_MS,
        },
    );
    // Two tabs may have written at once: the one whose write stuck sends.
    load::<Lease>(LEASE).is_some_and(|l| l.tab == me)
}

/// Sends what is due, oldest first. An item leaves the outbox only on
/// Heard's acknowledgement.
async fn flush_outbox() {
    if !take_lease() {
        return;
    }
    for item in outbox() {
        if !item.is_due(js_sys::Date::now()) {
            continue;
        }
        let answer = post_response(&item.body).await;
        let client_id = item.client_id.clone();
        let next = outbox::after_try(item, &answer, js_sys::Date::now());
        if let Next::Refused(item) = &next {
            web_sys::console::warn_1(
                &format!(
                    "Heard: a finished survey was refused ({}); it stays on this tablet for a worker",
                    item.refused.as_deref().unwrap_or_default()
                )
                .into(),
            );
        }
        settle(&client_id, next);
    }
    forget(LEASE);
}

thread_local! {
    static RETRYING: Cell<bool> = const { Cell::new(false) };
}

/// Keeps trying to empty the outbox, each item when it is due, while
/// anything waits that may still be sent. One loop per page, however often
/// it is asked for.
pub fn start_outbox() {
    move_old_outbox();
    let waiting = || outbox().iter().any(|i| i.refused.is_none());
    if !waiting() || RETRYING.with(Cell::get) {
        return;
    }
    RETRYING.with(|r| r.set(true));
    leptos::task::spawn_local(async move {
        while waiting() {
            flush_outbox().await;
            let now = js_sys::Date::now();
            let next_due = outbox()
                .iter()
                .filter(|i| i.refused.is_none())
                .map(|i| i.due_at)
                .fold(f64::INFINITY, f64::min);
            // Storage is looked at again at least every 5 seconds: another
            // tab's lease may have ended, or the network come back.
            let wait = (next_due - now).clamp(1000.0, 5000.0);
            sleep_ms(wait as u32).await;
        }
        RETRYING.with(|r| r.set(false));
    });
}

/// POSTs a finished survey and reads the answer.
async fn post_response(body: &str) -> Answer {
    let Some(response) = fetch_response(body).await else {
        return Answer::None;
    };
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse().ok());
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    let json: Option<serde_json::Value> = serde_json::from_str(&text).ok();
    let field = |name: &str| {
        json.as_ref()
            .and_then(|j| j.get(name))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    Answer::Http {
        status,
        acknowledged: matches!(
            field("status").as_deref(),
            Some("stored" | "already stored")
        ),
        error: field("error"),
        retry_after,
    }
}

async fn fetch_response(body: &str) -> Option<web_sys::Response> {
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(body));
    let headers = web_sys::Headers::new().ok()?;
    headers.set("content-type", "application/json").ok()?;
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init("/api/v1/responses", &init).ok()?;
    let response = JsFuture::from(window().fetch_with_request(&request))
        .await
        .ok()?;
    response.dyn_into::<web_sys::Response>().ok()
}

async fn sleep_ms(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
    });
    let _ = JsFuture::from(promise).await;
}

// --- Read aloud ---

/// Whether this browser can speak.
pub fn can_speak() -> bool {
    js_sys::Reflect::has(&window(), &JsValue::from_str("speechSynthesis")).unwrap_or(false)
}

/// Speaks `text`, stopping whatever was being said.
pub fn speak(text: &str) {
    if !can_speak() {
        return;
    }
    let Ok(synth) = window().speech_synthesis() else {
        return;
    };
    let Ok(utterance) = web_sys::SpeechSynthesisUtterance::new_with_text(text) else {
        return;
    };
    utterance.set_lang("en-GB");
    utterance.set_rate(0.9);
    synth.cancel();
    synth.speak(&utterance);
}

// --- Kiosk mode ---

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct KioskSettings {
    idle_seconds: u32,
}

fn kiosk_settings() -> Option<KioskSettings> {
    load(KIOSK)
}

/// A worker turns kiosk mode on for this tablet by opening the survey with
/// `?kiosk` (optionally `&idle=SECONDS`), and off with `?kiosk=off`. The
/// address is then cleaned so no setting shows in the history.
/// Whether the address was such a link.
fn apply_kiosk_link(code: &str) -> bool {
    let Ok(search) = window().location().search() else {
        return false;
    };
    let query: Vec<(String, String)> = form_urlencoded_pairs(search.trim_start_matches('?'));
    let Some((_, kiosk)) = query.iter().find(|(k, _)| k == "kiosk") else {
        return false;
    };
    if kiosk == "off" {
        forget(KIOSK);
    } else {
        let idle_seconds = query
            .iter()
            .find(|(k, _)| k == "idle")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(KIOSK_IDLE_SECONDS);
        save(KIOSK, &KioskSettings { idle_seconds });
    }
    if let Ok(history) = window().history() {
        let _ =
            history.replace_state_with_url(&JsValue::NULL, "", Some(&format!("/survey/{code}")));
    }
    true
}

fn form_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

thread_local! {
    static LAST_TOUCH: Cell<f64> = const { Cell::new(0.0) };
}

/// In kiosk mode: back to welcome after the idle time with no touch or key.
fn watch_idle(state: RwSignal<SurveyState>) {
    let Some(settings) = kiosk_settings() else {
        return;
    };
    LAST_TOUCH.with(|t| t.set(js_sys::Date::now()));
    for event in ["pointerdown", "keydown", "input"] {
        let on_touch = Closure::<dyn Fn()>::new(|| LAST_TOUCH.with(|t| t.set(js_sys::Date::now())));
        let _ =
            document().add_event_listener_with_callback(event, on_touch.as_ref().unchecked_ref());
        on_touch.forget();
    }
    leptos::task::spawn_local(async move {
        loop {
            sleep_ms(1000).await;
            let idle_ms = js_sys::Date::now() - LAST_TOUCH.with(Cell::get);
            // The survey's page may have gone (the signal with it): stop.
            let Some(at_start) =
                state.try_with_untracked(|s| s.stage == Stage::Answering && s.progress.step == 0)
            else {
                break;
            };
            if !at_start && idle_ms >= f64::from(settings.idle_seconds) * 1000.0 {
                reset(state);
            }
        }
    });
}

/// In kiosk mode: back to welcome `seconds` after "thank you".
fn reset_after(state: RwSignal<SurveyState>, seconds: u32) {
    leptos::task::spawn_local(async move {
        sleep_ms(seconds * 1000).await;
        if state.try_with_untracked(|s| matches!(s.stage, Stage::Sent | Stage::Queued))
            == Some(true)
        {
            reset(state);
        }
    });
}

/// A fresh welcome screen for the next young person: the previous one's
/// answers in progress are forgotten (finished ones wait in the outbox).
fn reset(state: RwSignal<SurveyState>) {
    let Some(code) = state.try_with_untracked(|s| s.code.clone()) else {
        return;
    };
    forget(&progress_key(&code));
    state.try_update(|s| {
        s.progress = Progress::start(new_client_id());
        s.stage = Stage::Answering;
    });
    LAST_TOUCH.with(|t| t.set(js_sys::Date::now()));
    after_screen_change();
}
