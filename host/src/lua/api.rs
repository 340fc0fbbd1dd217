//! The `planhost` table scripts use to talk to the host: `broadcast`,
//! `log`, `now`.

use std::time::{SystemTime, UNIX_EPOCH};

use piccolo::{Callback, CallbackReturn, Context, Table, Value};

use super::stdlib::{base::to_lua_string, located};
use crate::hub::{Delivery, HubHandle};

/// Registers the `planhost` global.
pub fn load_planhost(ctx: Context<'_>, hub: HubHandle) {
    let planhost = Table::new(&ctx);

    let broadcast = Callback::from_fn(&ctx, move |ctx, exec, mut stack| {
        let (Value::String(topic), Value::String(text)) = (stack.get(0), stack.get(1)) else {
            let message = "bad arguments to 'broadcast' (topic and text strings expected)";
            return Err(located(ctx, &exec, message.into()));
        };
        let topic = topic.to_str_lossy().into_owned();
        if let Err(reason) = crate::protocol::check_topic(&topic) {
            return Err(located(ctx, &exec, format!("bad topic to 'broadcast' ({reason})")));
        }
        let text = String::from_utf8_lossy(text.as_bytes()).into_owned();
        match hub.publish_blocking(&topic, text, Delivery::Every) {
            Ok(published) => {
                stack.replace(ctx, published.rev as i64);
                Ok(CallbackReturn::Return)
            }
            Err(e) => Err(located(ctx, &exec, e.to_string())),
        }
    });
    let _ = planhost.set(ctx, "broadcast", broadcast);

    let log = Callback::from_fn(&ctx, |ctx, _, stack| {
        let parts: Vec<String> = (0..stack.len())
            .map(|i| String::from_utf8_lossy(&to_lua_string(ctx, stack.get(i))).into_owned())
            .collect();
        tracing::info!(target: "planhost::lua", "{}", parts.join("\t"));
        Ok(CallbackReturn::Return)
    });
    let _ = planhost.set(ctx, "log", log);

    let now = Callback::from_fn(&ctx, |ctx, _, mut stack| {
        let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
        stack.replace(ctx, seconds);
        Ok(CallbackReturn::Return)
    });
    let _ = planhost.set(ctx, "now", now);

    let _ = ctx.set_global("planhost", planhost);
}
