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
use crate::domain::progress::{Progress, Step};
use crate::domain::receipt::Receipt;
use crate::domain::survey::Survey;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

const OUTBOX: &str = "heard.outbox";
const KIOSK: &str = "heard.kiosk";
/// Default idle time in kiosk mode before the tablet returns to welcome.
const KIOSK_IDLE_SECONDS: u32 = 180;
/// How long "thank you" stays up in kiosk mode.
const KIOSK_THANKS_SECONDS: u32 = 10;
/// Retry delays for the outbox, in seconds; the last repeats.
const BACKOFF_SECONDS: [u32; 5] = [1, 2, 4, 8, 15];

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
pub fn take_over(state: RwSignal<SurveyState>) {
    let current = state.get_untracked();
    apply_kiosk_link(&current.code);
    if current.stage == Stage::Answering
        && current.progress.step == 0
        && let Some(progress) = load::<Progress>(&progress_key(&current.code))
    {
        state.update(|s| s.progress = progress);
    }
    if kiosk_settings().is_some() {
        watch_idle(state);
    }
    start_outbox();
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
    enqueue(OutboxItem {
        client_id: client_id.clone(),
        body: submission_json(&current.code, &client_id, &current.survey, &answers),
    });
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

/// The body `POST /api/v1/responses` takes.
fn submission_json(code: &str, client_id: &str, survey: &Survey, answers: &Answers) -> String {
    let mut map = serde_json::Map::new();
    for (key, values) in answers.iter() {
        let many = survey.question(key).is_some_and(|q| q.kind.takes_several());
        let value = if many {
            serde_json::Value::from(values.to_vec())
        } else {
            serde_json::Value::from(values.first().cloned().unwrap_or_default())
        };
        map.insert(key.to_owned(), value);
    }
    serde_json::json!({ "join_code": code, "client_id": client_id, "answers": map }).to_string()
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

// --- The outbox ---

#[derive(Clone, Debug, Serialize, Deserialize)]
struct OutboxItem {
    client_id: String,
    /// The JSON body, as sent.
    body: String,
}

fn outbox() -> Vec<OutboxItem> {
    load(OUTBOX).unwrap_or_default()
}

fn enqueue(item: OutboxItem) {
    let mut items = outbox();
    if !items.iter().any(|i| i.client_id == item.client_id) {
        items.push(item);
    }
    save(OUTBOX, &items);
}

fn remove_from_outbox(client_id: &str) {
    let items: Vec<_> = outbox()
        .into_iter()
        .filter(|i| i.client_id != client_id)
        .collect();
    save(OUTBOX, &items);
}

/// Sends what waits, oldest first, until the network or server fails.
/// Items leave the outbox only on an answer from the server.
async fn flush_outbox() {
    for item in outbox() {
        match post_response(&item.body).await {
            // Stored now, or stored before: done.
            Some(200 | 201) => remove_from_outbox(&item.client_id),
            // Too many at once from this network, or too slow: the server
            // says "later", not "never". Keep it and try again.
            Some(408 | 429) => return,
            // Refused for good (closed round, changed survey): sending again
            // cannot help, and keeping it would block the rest.
            Some(status @ 400..=499) => {
                web_sys::console::warn_1(
                    &format!("Heard: a finished survey was refused ({status}) and dropped").into(),
                );
                remove_from_outbox(&item.client_id);
            }
            // Offline, or the server is down or failing: try later.
            _ => return,
        }
    }
}

thread_local! {
    static RETRYING: Cell<bool> = const { Cell::new(false) };
}

/// Keeps trying to empty the outbox, with backoff, while anything waits.
/// One loop per page, however often it is asked for.
pub fn start_outbox() {
    if outbox().is_empty() || RETRYING.with(Cell::get) {
        return;
    }
    RETRYING.with(|r| r.set(true));
    leptos::task::spawn_local(async {
        let mut attempt = 0;
        while !outbox().is_empty() {
            sleep_ms(BACKOFF_SECONDS[attempt.min(BACKOFF_SECONDS.len() - 1)] * 1000).await;
            flush_outbox().await;
            attempt += 1;
        }
        RETRYING.with(|r| r.set(false));
    });
}

/// POSTs a finished survey; the status, or `None` when no answer came.
async fn post_response(body: &str) -> Option<u16> {
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
    Some(response.dyn_into::<web_sys::Response>().ok()?.status())
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
fn apply_kiosk_link(code: &str) {
    let Ok(search) = window().location().search() else {
        return;
    };
    let query: Vec<(String, String)> = form_urlencoded_pairs(search.trim_start_matches('?'));
    let Some((_, kiosk)) = query.iter().find(|(k, _)| k == "kiosk") else {
        return;
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
