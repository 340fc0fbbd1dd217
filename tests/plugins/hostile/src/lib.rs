//! A deliberately hostile renderer: each view misbehaves in one way, so the
//! tests can prove the host survives it. Never ship this.

use planhost_guest::{PluginInfo, RenderError, RenderRequest, Renderer, export_renderer};

struct Hostile;

impl Renderer for Hostile {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "hostile".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Misbehaves on purpose (tests only)".into(),
            views: [
                "loop", "trap", "alloc", "huge", "panic", "invalid", "echo", "sleep", "nap", "hoard",
            ]
                .map(String::from)
                .to_vec(),
        }
    }

    fn render(request: RenderRequest) -> Result<String, RenderError> {
        match request.view.as_str() {
            // Never returns: only the host's deadline ends it.
            "loop" => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "trap" => std::process::abort(),
            // Grows without bound: only the host's memory cap ends it.
            "alloc" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            // More output than the host accepts, within the memory cap.
            "huge" => Ok("x".repeat(20 << 20)),
            "panic" => panic!("the hostile plugin panics"),
            // Blocks in the host (a WASI clock subscription) for an hour:
            // the deadline must end it all the same.
            "sleep" => {
                std::thread::sleep(std::time::Duration::from_secs(3600));
                Ok("<p>woke up</p>".into())
            }
            // Takes host resources (clock subscriptions) and never gives
            // them back.
            "hoard" => loop {
                std::mem::forget(wasip2::clocks::monotonic_clock::subscribe_duration(1));
            },
            // A short sleep within the deadline is fine.
            "nap" => {
                std::thread::sleep(std::time::Duration::from_millis(20));
                Ok("<p data-key=\"nap\">rested</p>".into())
            }
            "invalid" => Err(RenderError::InvalidData("nothing is ever valid here".into())),
            // Proves state does not leak between renders.
            "echo" => {
                static mut CALLS: u32 = 0;
                #[allow(unsafe_code)]
                let calls = unsafe {
                    CALLS += 1;
                    CALLS
                };
                Ok(format!("<p data-key=\"echo\">{} call {calls}</p>", request.data.len()))
            }
            _ => Err(request.unknown_view()),
        }
    }
}

export_renderer!(Hostile);
