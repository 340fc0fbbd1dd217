//! A renderer for planhost's plugin tests whose `info` misbehaves as its
//! cargo feature says, and whose renders are small as text but large once
//! escaped as JSON (or right at the host's output cap).
#![allow(unreachable_code, unconditional_recursion)]

use planhost_guest::{PluginInfo, RenderError, RenderRequest, Renderer, export_renderer};

struct Misfit;

impl Renderer for Misfit {
    fn info() -> PluginInfo {
        if cfg!(feature = "info-loop") {
            let mut n: u64 = 0;
            loop {
                n = std::hint::black_box(n.wrapping_add(1));
            }
        }
        if cfg!(feature = "info-panic") {
            panic!("the misfit plugin panics in info");
        }
        if cfg!(feature = "info-alloc") {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(vec![1; 1 << 20]);
                std::hint::black_box(&hoard);
            }
        }
        if cfg!(feature = "info-out-of-bounds") {
            // Far past any memory the host lets an instance have.
            let address = std::hint::black_box(0xffff_fff0_usize);
            #[allow(unsafe_code)]
            let value = unsafe { std::ptr::read_volatile(address as *const u64) };
            std::hint::black_box(value);
        }
        if cfg!(feature = "info-sleep") {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
        PluginInfo {
            name: if cfg!(feature = "long-name") { "m".repeat(65) } else { "misfit".into() },
            version: "0.1.0".into(),
            description: "Output sized against the host's cap (tests only)".into(),
            views: ["nul", "quotes", "fill"].map(String::from).to_vec(),
        }
    }

    fn render(request: RenderRequest) -> Result<String, RenderError> {
        match request.view.as_str() {
            // Under the cap as bytes; seven times over it as sent.
            "nul" => Ok("\0".repeat(8_000_000)),
            // One quote more than a quarter of the cap: four times that as
            // sent (escaped in the envelope, and the envelope in the frame).
            "quotes" => Ok("\"".repeat((2 << 20) + 1)),
            // Exactly the cap, and the same as JSON.
            "fill" => Ok("x".repeat(8 << 20)),
            _ => Err(request.unknown_view()),
        }
    }
}

export_renderer!(Misfit);
