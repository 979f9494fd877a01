//! The floor the start-up benchmark compares Lanyard with: an empty Tauri 2 window on the same
//! WebView, tray-less and pluginless. It prints "first paint N ms after start" like the app, and
//! draws the way the app does (`lanyard_app::choose_rendering`).

fn main() {
    let started = std::time::Instant::now();
    if let Some(why) = lanyard_app::choose_rendering() {
        eprintln!("WebKit draws on the CPU: {why}");
    }
    let mut context = tauri::generate_context!();
    context.config_mut().app.windows.clear();
    tauri::Builder::default()
        // Served like the app's own page: through a custom protocol.
        .register_uri_scheme_protocol("floor", |_ctx, _request| {
            let page = "<!doctype html><title>floor</title><p>Hello</p><script>requestAnimationFrame(()=>requestAnimationFrame(()=>{document.title='painted'}))</script>";
            tauri::http::Response::builder().header("Content-Type", "text/html").body(page.as_bytes().to_vec()).expect("a response")
        })
        .setup(move |app| {
            tauri::WebviewWindowBuilder::new(app, "floor", tauri::WebviewUrl::CustomProtocol("floor://localhost/".parse().expect("a URL")))
                .inner_size(1100.0, 720.0)
                // Shown once loaded, as the app's window is (see `show_main_once`).
                .visible(false)
                .on_page_load(|webview, payload| {
                    if payload.event() == tauri::webview::PageLoadEvent::Finished {
                        let _ = webview.show();
                    }
                })
                .on_document_title_changed(move |_, title| {
                    if title == "painted" {
                        eprintln!("first paint {} ms after start", started.elapsed().as_millis());
                    }
                })
                .build()?;
            Ok(())
        })
        .run(context)
        .expect("the floor window");
}
