//! The tray icon and its menu. Menu ids are an enum so there are no scattered string literals.

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::events;

/// Tray menu items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Open,
    Settings,
    Quit,
}

impl Item {
    const ALL: [Item; 3] = [Item::Open, Item::Settings, Item::Quit];

    fn id(self) -> &'static str {
        match self {
            Item::Open => "open",
            Item::Settings => "settings",
            Item::Quit => "quit",
        }
    }

    fn from_id(id: &str) -> Option<Item> {
        Item::ALL.into_iter().find(|i| i.id() == id)
    }
}

/// Shows, unminimizes and focuses the main window.
pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

/// Builds the tray icon with its menu.
pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let menu = Menu::with_items(
        app,
        &[
            &MenuItem::with_id(app, Item::Open.id(), "Open Lanyard", true, None::<&str>)?,
            &MenuItem::with_id(app, Item::Settings.id(), "Settings…", true, None::<&str>)?,
            &PredefinedMenuItem::separator(app)?,
            &MenuItem::with_id(app, Item::Quit.id(), "Quit Lanyard", true, None::<&str>)?,
        ],
    )?;
    let icon = tauri::image::Image::from_bytes(include_bytes!("../../icons/tray@2x.png"))?;
    TrayIconBuilder::with_id("lanyard")
        .icon(icon)
        .icon_as_template(true)
        .tooltip("Lanyard")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match Item::from_id(event.id().as_ref()) {
            Some(Item::Open) => show_main(app),
            Some(Item::Settings) => {
                show_main(app);
                let _ = app.emit(events::NAVIGATE, "settings");
            }
            Some(Item::Quit) => app.exit(0),
            None => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click { button: MouseButton::Left, button_state: MouseButtonState::Up, .. } = event {
                show_main(tray.app_handle());
            }
        })
        .build(app)?;
    Ok(())
}
