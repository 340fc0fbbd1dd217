//! Headless Chromium for end-to-end tests of the browser client: Debian's
//! `chromium` with a temporary profile and a fixed window, driven over the
//! DevTools protocol with `headless_chrome`. Owns the polling rule: every
//! wait has a deadline and says what it waited for, and nothing sleeps and
//! hopes.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use headless_chrome::protocol::cdp::{Emulation, Page as Cdp, Runtime};
use headless_chrome::{LaunchOptions, Tab};
use serde_json::Value;

use crate::TempDir;

/// Where Debian installs Chromium (`apt-get install chromium`).
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// The window every test page gets, so layouts and screenshots repeat.
pub const WINDOW: (u32, u32) = (1280, 800);

/// How long a wait polls before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(15);

/// A headless Chromium process with its own profile, killed on drop.
pub struct Browser {
    browser: headless_chrome::Browser,
    // Dropped after the browser, so the profile outlives the process.
    _profile: TempDir,
}

impl Browser {
    /// Starts Chromium headless: no display needed, no sandbox when root
    /// (Chromium refuses to start as root with one), a fixed window size.
    pub fn launch() -> Browser {
        assert!(
            Path::new(CHROMIUM).exists(),
            "{CHROMIUM} is missing: install Debian's chromium (.ci/setup does)"
        );
        let profile = TempDir::new("chromium-profile");
        let root = rustix::process::geteuid().is_root();
        let extra: Vec<&OsStr> =
            ["--hide-scrollbars", "--mute-audio", "--lang=en-US"].iter().map(OsStr::new).collect();
        let options = LaunchOptions::default_builder()
            .path(Some(PathBuf::from(CHROMIUM)))
            .headless(true)
            .sandbox(!root)
            .window_size(Some(WINDOW))
            .user_data_dir(Some(profile.path().to_path_buf()))
            .idle_browser_timeout(Duration::from_secs(300))
            .args(extra)
            .build()
            .expect("Chromium launch options");
        let browser = headless_chrome::Browser::new(options).expect("starting Chromium");
        Browser { browser, _profile: profile }
    }

    /// A new tab on `about:blank`.
    pub fn page(&self) -> Page {
        let tab = self.browser.new_tab().expect("opening a tab");
        tab.set_default_timeout(DEADLINE);
        Page { tab }
    }
}

/// One tab.
pub struct Page {
    tab: Arc<Tab>,
}

impl Page {
    /// Loads `url` and waits for the load to finish.
    pub fn goto(&self, url: &str) -> &Page {
        self.tab
            .navigate_to(url)
            .and_then(|tab| tab.wait_until_navigated())
            .unwrap_or_else(|e| panic!("loading {url}: {e:#}"));
        self
    }

    /// Runs `source` before any script of every page loaded from now on.
    pub fn before_each_load(&self, source: &str) -> &Page {
        self.tab
            .call_method(Cdp::AddScriptToEvaluateOnNewDocument {
                source: source.to_owned(),
                world_name: None,
                include_command_line_api: None,
                run_immediately: None,
            })
            .expect("adding a script to new documents");
        self
    }

    /// Turns the page's JavaScript off (or back on) for the next loads.
    pub fn set_javascript(&self, enabled: bool) -> &Page {
        self.tab
            .call_method(Emulation::SetScriptExecutionDisabled { value: !enabled })
            .expect("switching JavaScript");
        self
    }

    /// Emulates `prefers-color-scheme: SCHEME` (`light` or `dark`).
    pub fn set_color_scheme(&self, scheme: &str) -> &Page {
        let feature =
            Emulation::MediaFeature { name: "prefers-color-scheme".into(), value: scheme.into() };
        self.tab
            .call_method(Emulation::SetEmulatedMedia { media: None, features: Some(vec![feature]) })
            .expect("emulating a colour scheme");
        self
    }

    /// Evaluates a JavaScript expression in the page (a promise is awaited)
    /// and returns its value as JSON; `undefined` is `null`. A thrown
    /// exception fails the test with its message.
    pub fn eval(&self, expression: &str) -> Value {
        let answer = self
            .tab
            .call_method(Runtime::Evaluate {
                expression: expression.to_owned(),
                object_group: None,
                include_command_line_api: None,
                silent: None,
                context_id: None,
                return_by_value: Some(true),
                generate_preview: None,
                user_gesture: Some(true),
                await_promise: Some(true),
                throw_on_side_effect: None,
                timeout: None,
                disable_breaks: None,
                repl_mode: None,
                allow_unsafe_eval_blocked_by_csp: None,
                unique_context_id: None,
                serialization_options: None,
            })
            .unwrap_or_else(|e| panic!("evaluating {expression}: {e:#}"));
        if let Some(details) = answer.exception_details {
            let thrown = details.exception.and_then(|e| e.description).unwrap_or(details.text);
            panic!("{expression}\nthrew: {thrown}");
        }
        answer.result.value.unwrap_or(Value::Null)
    }

    /// Polls `expression` until it is truthy, and returns that value;
    /// fails after [`DEADLINE`] naming `what` and the last value seen.
    pub fn wait_for(&self, what: &str, expression: &str) -> Value {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let value = self.eval(expression);
            if truthy(&value) {
                return value;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {expression} is {value}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Polls until `expression` equals `expected`.
    pub fn wait_eq(&self, what: &str, expression: &str, expected: impl Into<Value>) {
        let expected = expected.into();
        let deadline = Instant::now() + DEADLINE;
        loop {
            let value = self.eval(expression);
            if value == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {expression} is {value}, expected {expected}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Clicks the centre of the element `selector` with a real mouse event.
    pub fn click(&self, selector: &str) -> &Page {
        let element = self
            .tab
            .wait_for_element(selector)
            .unwrap_or_else(|e| panic!("finding {selector}: {e:#}"));
        element.click().unwrap_or_else(|e| panic!("clicking {selector}: {e:#}"));
        self
    }

    /// Presses and releases `key` (`PageDown`, `End`, ...) in whatever has
    /// focus, as a keyboard would.
    pub fn press(&self, key: &str) -> &Page {
        self.tab.press_key(key).unwrap_or_else(|e| panic!("pressing {key}: {e:#}"));
        self
    }

    /// Writes a PNG of the viewport to `target/test-artifacts/NAME.png`.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let png = self
            .tab
            .capture_screenshot(Cdp::CaptureScreenshotFormatOption::Png, None, None, true)
            .expect("taking a screenshot");
        let dir = artifact_dir();
        std::fs::create_dir_all(&dir).expect("creating the artifact folder");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("writing the screenshot");
        path
    }
}

/// JavaScript's truthiness, for polled values.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0 && !n.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// `target/test-artifacts/`: screenshots and other files a test leaves for
/// people to look at.
pub fn artifact_dir() -> PathBuf {
    // Test executables run from target/<profile>/deps/.
    let exe = std::env::current_exe().expect("test executable path");
    let target = exe.ancestors().nth(3).expect("target dir");
    target.join("test-artifacts")
}

/// Records every frame the client sends (`window.sentFrames`), for checking
/// what it subscribes to; installed before the client's scripts run.
pub const RECORD_FRAMES: &str = r#"
window.sentFrames = [];
window.WebSocket = class extends window.WebSocket {
  send(data) {
    window.sentFrames.push(JSON.parse(data));
    return super.send(data);
  }
};
"#;

/// The client's source folder, `web/`, for `planhost serve --web`.
pub fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../web")
}

/// A JavaScript string literal for `text`.
pub fn js_string(text: &str) -> String {
    Value::from(text).to_string()
}
