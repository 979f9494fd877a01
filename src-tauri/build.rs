fn main() {
    // App commands go through Tauri's permission system like plugin commands do.
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&[
            "app_info",
            "list_identities",
            "save_identity",
            "remove_identity",
            "sign_in",
            "cancel_sign_in",
            "sign_out",
            "open_url",
            "cached_accounts",
            "discover_accounts",
            "get_profile_settings",
            "plan_profiles",
            "apply_profiles",
            "list_favourites",
            "set_favourite",
            "preview_offboard",
            "offboard",
            "cached_repositories",
            "scan_repositories",
            "clone_repository",
            "cancel_clone",
            "recent_clones",
            "helper_status",
            "open_folder",
        ])),
    )
    .expect("tauri-build failed");
}
