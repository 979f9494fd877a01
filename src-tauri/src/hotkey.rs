//! The quick switcher's global shortcut on X11, waiting on the X connection.
//!
//! Why not tauri-plugin-global-shortcut here: its X11 backend (global-hotkey) wakes every 50 ms
//! to poll the connection, ~40 system calls a second for as long as the tray process lives —
//! most of its idle CPU (measured with strace, #16). This grabs the key on the root window and
//! blocks in `wait_for_event` until the X server has something to say. x11rb's connection is
//! shared between threads, so grabbing from any thread while the event thread waits is safe.
//! The shortcut's text is parsed by global-hotkey (the syntax the plugin and Settings use).

use std::str::FromStr as _;
use std::sync::{Arc, Mutex};

use global_hotkey::hotkey::{Code, HotKey, Modifiers};
use x11rb::connection::Connection as _;
use x11rb::protocol::Event;
use x11rb::protocol::xproto::{ConnectionExt as _, GrabMode, Keycode, ModMask, Window};
use x11rb::rust_connection::RustConnection;
use xkeysym::Keysym;

/// The modifiers a shortcut may hold; Caps Lock and Num Lock are ignored when matching.
fn held(state: u16) -> u16 {
    let mask = ModMask::SHIFT | ModMask::CONTROL | ModMask::M1 | ModMask::M4;
    state & u16::from(mask)
}

/// One global shortcut, grabbed on the root window of the default display.
pub struct Shortcut {
    conn: Arc<RustConnection>,
    root: Window,
    /// What is grabbed now (modifiers, key), read by the event thread.
    bound: Arc<Mutex<Option<(u16, Keycode)>>>,
}

impl Shortcut {
    /// Connects to the display and starts the thread that calls `on_press` for each press.
    pub fn start(on_press: impl Fn() + Send + 'static) -> Result<Self, String> {
        let (conn, screen) =
            x11rb::connect(None).map_err(|e| format!("no X display for the shortcut: {e}"))?;
        let conn = Arc::new(conn);
        let root = conn.setup().roots[screen].root;
        let bound: Arc<Mutex<Option<(u16, Keycode)>>> = Arc::default();
        let (events, pressed) = (conn.clone(), bound.clone());
        std::thread::Builder::new()
            .name("global-shortcut".into())
            .spawn(move || {
                loop {
                    match events.wait_for_event() {
                        Ok(Event::KeyPress(e)) => {
                            let want = *pressed.lock().unwrap_or_else(|p| p.into_inner());
                            if want == Some((held(u16::from(e.state)), e.detail)) {
                                on_press();
                            }
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!("the X connection for the shortcut closed: {e}");
                            return;
                        }
                    }
                }
            })
            .map_err(|e| format!("cannot start the shortcut's thread: {e}"))?;
        Ok(Self { conn, root, bound })
    }

    /// Replaces the shortcut ("" = none). An error says why it cannot be used: not understood,
    /// no such key on this keyboard, or another application holds it.
    pub fn set(&self, shortcut: &str) -> Result<(), String> {
        let mut bound = self.bound.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((mods, key)) = bound.take() {
            for extra in ignored() {
                let _ = self
                    .conn
                    .ungrab_key(key, self.root, ModMask::from(mods | extra));
            }
            let _ = self.conn.flush();
        }
        if shortcut.is_empty() {
            return Ok(());
        }
        let hotkey = HotKey::from_str(shortcut).map_err(|e| e.to_string())?;
        let sym = keysym(hotkey.key)
            .ok_or_else(|| format!("{} is not a key Lanyard can use", hotkey.key))?;
        let key = self.keycode(sym)?.ok_or("this keyboard has no such key")?;
        let mods = modifiers(hotkey.mods);
        for (i, extra) in ignored().into_iter().enumerate() {
            let grabbed = self
                .conn
                .grab_key(
                    false,
                    self.root,
                    ModMask::from(mods | extra),
                    key,
                    GrabMode::ASYNC,
                    GrabMode::ASYNC,
                )
                .map_err(|e| e.to_string())?
                .check();
            if grabbed.is_err() {
                for extra in &ignored()[..i] {
                    let _ = self
                        .conn
                        .ungrab_key(key, self.root, ModMask::from(mods | extra));
                }
                let _ = self.conn.flush();
                return Err("another application holds it".into());
            }
        }
        *bound = Some((mods, key));
        Ok(())
    }

    /// The first key code that types `sym` (unshifted or shifted).
    fn keycode(&self, sym: Keysym) -> Result<Option<Keycode>, String> {
        let setup = self.conn.setup();
        let (first, last) = (setup.min_keycode, setup.max_keycode);
        let map = self
            .conn
            .get_keyboard_mapping(first, last - first + 1)
            .map_err(|e| e.to_string())?
            .reply()
            .map_err(|e| e.to_string())?;
        let per = usize::from(map.keysyms_per_keycode).max(1);
        Ok(map
            .keysyms
            .chunks(per)
            .position(|syms| syms.iter().take(2).any(|&s| s == sym.raw()))
            .and_then(|i| u8::try_from(i).ok())
            .map(|i| first + i))
    }
}

/// The shortcut, connected on first use: no X connection or thread while none is wanted.
#[derive(Default)]
pub struct Slot(Mutex<Option<Shortcut>>);

impl Slot {
    /// Replaces the shortcut ("" = none), connecting first if needed; `on_press` serves the
    /// connection made now. Without a display, "" is fine and anything else says why.
    pub fn set(&self, shortcut: &str, on_press: impl Fn() + Send + 'static) -> Result<(), String> {
        let mut slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            match Shortcut::start(on_press) {
                Ok(s) => *slot = Some(s),
                Err(e) if shortcut.is_empty() => {
                    tracing::debug!("{e}");
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
        slot.as_ref().map_or(Ok(()), |s| s.set(shortcut))
    }
}

/// Lock and Num Lock combinations a grab must cover so the shortcut works with either on.
fn ignored() -> [u16; 4] {
    let (lock, num) = (ModMask::LOCK.bits(), ModMask::M2.bits());
    [0, lock, num, lock | num]
}

fn modifiers(m: Modifiers) -> u16 {
    let mut x = 0;
    for (has, mask) in [
        (Modifiers::SHIFT, ModMask::SHIFT),
        (Modifiers::CONTROL, ModMask::CONTROL),
        (Modifiers::ALT, ModMask::M1),
        (Modifiers::SUPER, ModMask::M4),
        (Modifiers::META, ModMask::M4),
    ] {
        if m.contains(has) {
            x |= mask.bits();
        }
    }
    x
}

/// The X key symbol of a physical key, for the keys a shortcut sensibly uses.
fn keysym(code: Code) -> Option<Keysym> {
    use xkeysym::key;
    let name = code.to_string();
    if let Some(c) = name
        .strip_prefix("Key")
        .or_else(|| name.strip_prefix("Digit"))
        && let [c] = c.as_bytes()
    {
        return Some(Keysym::from_char(char::from(c.to_ascii_lowercase())));
    }
    if let Some(n) = name.strip_prefix('F').and_then(|n| n.parse::<u32>().ok())
        && (1..=24).contains(&n)
    {
        return Some(Keysym::new(key::F1 + n - 1));
    }
    let raw = match code {
        Code::Space => key::space,
        Code::Enter => key::Return,
        Code::Tab => key::Tab,
        Code::Escape => key::Escape,
        Code::Backspace => key::BackSpace,
        Code::Delete => key::Delete,
        Code::Insert => key::Insert,
        Code::Home => key::Home,
        Code::End => key::End,
        Code::PageUp => key::Prior,
        Code::PageDown => key::Next,
        Code::ArrowLeft => key::Left,
        Code::ArrowRight => key::Right,
        Code::ArrowUp => key::Up,
        Code::ArrowDown => key::Down,
        _ => {
            let c = match code {
                Code::Minus => '-',
                Code::Equal => '=',
                Code::BracketLeft => '[',
                Code::BracketRight => ']',
                Code::Backslash => '\\',
                Code::Semicolon => ';',
                Code::Quote => '\'',
                Code::Backquote => '`',
                Code::Comma => ',',
                Code::Period => '.',
                Code::Slash => '/',
                _ => return None,
            };
            return Some(Keysym::from_char(c));
        }
    };
    Some(Keysym::new(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcuts_map_to_x_keys_and_modifiers() {
        let k = HotKey::from_str("CommandOrControl+Alt+K").unwrap();
        assert_eq!(keysym(k.key), Some(Keysym::from_char('k')));
        assert_eq!(
            modifiers(k.mods),
            ModMask::CONTROL.bits() | ModMask::M1.bits()
        );
        let k = HotKey::from_str("Super+Shift+Space").unwrap();
        assert_eq!(keysym(k.key).map(Keysym::raw), Some(xkeysym::key::space));
        assert_eq!(
            modifiers(k.mods),
            ModMask::SHIFT.bits() | ModMask::M4.bits()
        );
        let f = HotKey::from_str("Ctrl+F12").unwrap();
        assert_eq!(keysym(f.key).map(Keysym::raw), Some(xkeysym::key::F12));
        let d = HotKey::from_str("Ctrl+7").unwrap();
        assert_eq!(keysym(d.key), Some(Keysym::from_char('7')));
        assert_eq!(keysym(Code::NumpadMultiply), None);
    }
}
