//! The `planhost` table scripts use to talk to the host: `view` (declare a
//! view), `views` (the declared views: functions by name, names in order), `save` (write a file
//! atomically, keeping a backup), `reload` (load the plan's files afresh
//! after the command), `broadcast`, `log`, `now`, `view_round`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use piccolo::{Callback, CallbackReturn, Context, Table, Value};

use super::sandbox::Sandbox;
use super::stdlib::{base::to_lua_string, located};
use crate::hub::{Delivery, HubHandle};

/// The longest view name accepted (it becomes part of a topic and a URL).
pub const MAX_VIEW_NAME: usize = 64;

/// Whether `name` can name a view: 1 to 64 of `A-Z a-z 0-9 _ -`.
pub fn valid_view_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_VIEW_NAME
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// What `planhost.view_round()` answers: while the host computes views
/// after a change, a number shared by every view it computes before any
/// other Lua runs; outside that, nothing. Views use it to share work (one
/// analysis of the plan for all of them) without ever reusing it across a
/// change.
#[derive(Debug, Clone, Default)]
pub struct ViewRound(Arc<ViewRoundState>);

#[derive(Debug, Default)]
struct ViewRoundState {
    number: AtomicU64,
    open: AtomicBool,
}

impl ViewRound {
    /// Other Lua is about to run: the next views form a new round.
    pub fn end(&self) {
        self.0.open.store(false, Ordering::Relaxed);
    }

    /// The host computes a view: within the current round, or a new one if
    /// other Lua ran since the last view.
    pub fn enter(&self) {
        if !self.0.open.swap(true, Ordering::Relaxed) {
            self.0.number.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The round's number, while views are being computed.
    fn current(&self) -> Option<i64> {
        let number = self.0.number.load(Ordering::Relaxed);
        self.0.open.load(Ordering::Relaxed).then(|| i64::try_from(number).unwrap_or(i64::MAX))
    }
}

/// What `planhost.reload()` sets: the Lua thread loads the plan's files
/// afresh once the console command that called it ends, dropping the
/// console commands since the last load.
#[derive(Debug, Clone, Default)]
pub struct ReloadAsked(Arc<AtomicBool>);

impl ReloadAsked {
    /// Whether a reload was asked for since the last call.
    pub fn take(&self) -> bool {
        self.0.swap(false, Ordering::Relaxed)
    }
}

/// What only a served plan has: the view rounds and the reload request.
#[derive(Debug, Clone, Default)]
pub struct Served {
    pub round: ViewRound,
    pub reload: ReloadAsked,
}

/// Registers the `planhost` global. Without a hub (`planhost run`),
/// `broadcast` publishes nothing and returns nil; without `served` (ditto),
/// `view_round` always returns nil and `reload` is an error.
pub fn load_planhost(
    ctx: Context<'_>,
    sandbox: Sandbox,
    hub: Option<HubHandle>,
    served: Option<Served>,
) {
    let (round, reload) = match served {
        Some(Served { round, reload }) => (Some(round), Some(reload)),
        None => (None, None),
    };
    let planhost = Table::new(&ctx);
    let _ = planhost.set(ctx, "views", Table::new(&ctx));

    let view = Callback::from_fn(&ctx, |ctx, exec, stack| {
        let (name, function) = (stack.get(0), stack.get(1));
        let Value::String(name) = name else {
            return Err(located(ctx, &exec, "bad argument #1 to 'view' (string expected)".into()));
        };
        let name_text = name.to_str_lossy();
        if !valid_view_name(&name_text) {
            let message = format!(
                "bad argument #1 to 'view' (view name '{name_text}': use 1 to {MAX_VIEW_NAME} \
                 letters, digits, '_' or '-')"
            );
            return Err(located(ctx, &exec, message));
        }
        if !matches!(function, Value::Function(_)) {
            let message = format!(
                "bad argument #2 to 'view' (function expected, got {})",
                function.type_name()
            );
            return Err(located(ctx, &exec, message));
        }
        let Some(views) = views_table(ctx) else {
            return Err(located(ctx, &exec, "planhost.views is not a table".into()));
        };
        // The sequence part keeps the names in declaration order.
        if views.get(ctx, name).is_nil() {
            let _ = views.set(ctx, views.length() + 1, name);
        }
        let _ = views.set(ctx, name, function);
        Ok(CallbackReturn::Return)
    });
    let _ = planhost.set(ctx, "view", view);

    let save = Callback::from_fn(&ctx, move |ctx, exec, mut stack| {
        let (Value::String(path), Value::String(text)) = (stack.get(0), stack.get(1)) else {
            let message = "bad arguments to 'save' (path and text strings expected)";
            return Err(located(ctx, &exec, message.into()));
        };
        let shown = path.to_str_lossy().into_owned();
        let target = sandbox.writable(&shown).map_err(|e| located(ctx, &exec, e.to_string()))?;
        if target.is_dir() {
            return Err(located(ctx, &exec, format!("{shown}: is a directory")));
        }
        let saved = save_atomically(&target, text.as_bytes());
        // Noted once the file holds the text (a save is all or nothing,
        // but the folder's sync after it may still fail).
        if saved.is_ok() || std::fs::read(&target).is_ok_and(|now| now == text.as_bytes()) {
            sandbox.note_save(&target);
            sandbox.note_saved(&target);
        }
        saved.map_err(|e| located(ctx, &exec, format!("cannot save {shown}: {e}")))?;
        stack.replace(ctx, true);
        Ok(CallbackReturn::Return)
    });
    let _ = planhost.set(ctx, "save", save);

    let broadcast = Callback::from_fn(&ctx, move |ctx, exec, mut stack| {
        let (Value::String(topic), Value::String(text)) = (stack.get(0), stack.get(1)) else {
            let message = "bad arguments to 'broadcast' (topic and text strings expected)";
            return Err(located(ctx, &exec, message.into()));
        };
        let topic = topic.to_str_lossy().into_owned();
        if let Err(reason) = crate::protocol::check_topic(&topic) {
            return Err(located(ctx, &exec, format!("bad topic to 'broadcast' ({reason})")));
        }
        let Some(hub) = &hub else {
            stack.replace(ctx, Value::Nil);
            return Ok(CallbackReturn::Return);
        };
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

    let view_round = Callback::from_fn(&ctx, move |ctx, _, mut stack| {
        let number = round.as_ref().and_then(ViewRound::current);
        stack.replace(ctx, number.map_or(Value::Nil, Value::Integer));
        Ok(CallbackReturn::Return)
    });
    let _ = planhost.set(ctx, "view_round", view_round);

    let reload = Callback::from_fn(&ctx, move |ctx, exec, mut stack| match &reload {
        Some(asked) => {
            asked.0.store(true, Ordering::Relaxed);
            stack.clear();
            Ok(CallbackReturn::Return)
        }
        None => {
            let message = "planhost.reload works in a served plan (planhost serve)";
            Err(located(ctx, &exec, message.into()))
        }
    });
    let _ = planhost.set(ctx, "reload", reload);

    let _ = ctx.set_global("planhost", planhost);
}

/// `planhost.views`, where `planhost.view` keeps the view functions.
pub fn views_table(ctx: Context<'_>) -> Option<Table<'_>> {
    let Value::Table(planhost) = ctx.get_global("planhost") else { return None };
    match planhost.get(ctx, "views") {
        Value::Table(views) => Some(views),
        _ => None,
    }
}

/// The names of the declared views, in the order they were declared.
pub fn view_names(ctx: Context<'_>) -> Vec<String> {
    let Some(views) = views_table(ctx) else { return Vec::new() };
    let mut names: Vec<String> = Vec::new();
    for index in 1..=views.length() {
        let Value::String(name) = views.get(ctx, index) else { continue };
        let name = name.to_str_lossy().into_owned();
        let declared = matches!(views.get(ctx, ctx.intern(name.as_bytes())), Value::Function(_));
        if declared && valid_view_name(&name) && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// Writes `bytes` to `target` so that a crash at any moment leaves either
/// the old or the new file whole: write a temporary file beside it, fsync,
/// keep the old file as `NAME.bak`, rename the new one over it, fsync the
/// folder. The new file keeps the old one's permissions, and its owner and
/// group where the process may set them (a private or shared file stays
/// so). On failure the temporary file is gone and the target untouched.
pub fn save_atomically(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder = target.parent().unwrap_or(Path::new("."));
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = folder.join(format!(".{name}.{}.tmp", std::process::id()));
    let previous = std::fs::metadata(target).ok();
    // A file made read-only is kept so, also from a server run as root.
    if previous.as_ref().is_some_and(|meta| meta.is_file() && meta.permissions().readonly()) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "it is read-only (its permissions allow no writing)",
        ));
    }
    let replaced = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        if let Some(previous) = &previous {
            use std::os::unix::fs::MetadataExt;
            // Owner and group before the mode: changing them clears set-id bits.
            let _ = std::os::unix::fs::fchown(&file, Some(previous.uid()), Some(previous.gid()));
            let _ = std::os::unix::fs::fchown(&file, None, Some(previous.gid()));
            file.set_permissions(previous.permissions())?;
        }
        file.write_all(bytes)?;
        file.sync_all()?;
        if previous.is_some() {
            let backup = backup_path(target);
            // A hard link keeps the old version without a moment where the
            // target is missing; a copy where links are not possible.
            let _ = std::fs::remove_file(&backup);
            if std::fs::hard_link(target, &backup).is_err() {
                std::fs::copy(target, &backup).map_err(|e| {
                    let shown = backup.file_name().unwrap_or_default().to_string_lossy();
                    std::io::Error::new(
                        e.kind(),
                        format!("keeping the old version as {shown}: {e}"),
                    )
                })?;
            }
        }
        std::fs::rename(&temporary, target)
    })();
    if let Err(error) = replaced {
        let _ = std::fs::remove_file(&temporary);
        return Err(error);
    }
    std::fs::File::open(folder)?.sync_all()
}

/// Where [`save_atomically`] keeps the previous version: `NAME.bak`.
pub fn backup_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".bak");
    target.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_names_are_short_and_plain() {
        assert!(valid_view_name("work"));
        assert!(valid_view_name("by-track_2"));
        for bad in ["", "a/b", "a.b", "a b", "é", &"x".repeat(65)] {
            assert!(!valid_view_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn saving_keeps_the_previous_version() {
        let folder = std::env::temp_dir().join(format!("planhost-save-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        let target = folder.join("work.tsv");
        save_atomically(&target, b"one").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"one");
        assert!(!backup_path(&target).exists(), "nothing to back up the first time");
        save_atomically(&target, b"two").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        assert_eq!(std::fs::read(backup_path(&target)).unwrap(), b"one");
        save_atomically(&target, b"three").unwrap();
        assert_eq!(std::fs::read(backup_path(&target)).unwrap(), b"two");
        let leftovers: Vec<_> = std::fs::read_dir(&folder)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "no temporary file is left behind");
        std::fs::remove_dir_all(folder).unwrap();
    }

    #[test]
    fn a_saved_file_keeps_its_permissions_and_a_failed_save_leaves_no_trace() {
        use std::os::unix::fs::PermissionsExt;
        let folder =
            std::env::temp_dir().join(format!("planhost-save-mode-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        let target = folder.join("people.tsv");
        std::fs::write(&target, "one").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
        save_atomically(&target, b"two").unwrap();
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o640, "a private file stays private");

        // The backup cannot be kept (a folder of that name): the save fails
        // saying why, the file is as it was, no temporary file is left.
        std::fs::remove_file(backup_path(&target)).unwrap();
        std::fs::create_dir(backup_path(&target)).unwrap();
        std::fs::write(backup_path(&target).join("x"), "").unwrap();
        let error = save_atomically(&target, b"three").unwrap_err().to_string();
        assert!(error.starts_with("keeping the old version as people.tsv.bak: "), "{error}");
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        let names: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|name| !name.ends_with(".tmp")), "{names:?}");

        // A file made read-only stays as it is, also for root.
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o444)).unwrap();
        let error = save_atomically(&target, b"four").unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::PermissionDenied);
        assert_eq!(error.to_string(), "it is read-only (its permissions allow no writing)");
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        std::fs::remove_dir_all(folder).unwrap();
    }
}
