//! HTTP integration tests through the public surface (pages and API).
//! All in one binary: one link step. Every test runs twice, on SQLite and on
//! PostgreSQL (each on its own fresh database); the PostgreSQL run announces
//! itself as skipped when no server is reachable, and fails under CI=true.

mod analysis;
mod api;
mod certification;
mod insight;
mod linkage;
mod openapi;
mod programs;
mod readiness;
mod scope;
mod security;
mod support;
mod ui;

macro_rules! on_both_backends {
    ($($module:ident :: $name:ident,)*) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    crate::$module::$name(crate::support::TestApp::new().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(app) = crate::support::TestApp::postgres().await {
                        crate::$module::$name(app).await;
                    }
                }
            )*
        }
    };
}

on_both_backends! {
    insight::dashboards_follow_the_scope,
    insight::map_and_ranking_come_from_the_rollups,
    insight::bad_dashboard_input_is_a_clear_problem,
    insight::dashboard_page_exports_and_geometry,
    insight::open_data_is_public_without_small_cells,
    analysis::leading_sectors_match_the_hand_computed_example,
    analysis::bad_analysis_input_is_a_clear_problem,
    analysis::transitions_and_movers_stay_in_the_region,
    analysis::programme_impact_is_labelled_observational,
    api::list_and_get_have_the_contract_shapes,
    api::filters_search_and_counts,
    api::create_validates_every_field_and_writes_nothing_on_error,
    api::duplicate_nib_is_a_clear_field_error,
    api::malformed_json_is_a_problem_document,
    api::update_with_a_stale_version_is_refused,
    api::finalised_figures_need_a_correction_and_keep_history,
    api::reference_endpoints_are_public,
    api::health_metrics_and_unknown_paths,
    scope::samarinda_officer_api_sees_only_samarinda,
    scope::samarinda_officer_gets_404_for_balikpapan_on_every_api_verb,
    scope::samarinda_officer_gets_404_for_balikpapan_pages,
    scope::owner_sees_only_their_enterprise,
    scope::the_public_and_buyers_see_nothing_of_the_registry,
    scope::ministry_reads_everything_but_changes_nothing,
    scope::exports_respect_the_scope,
    ui::login_sets_a_hardened_session_cookie,
    ui::login_without_csrf_is_refused_and_bad_passwords_say_the_same_thing,
    ui::login_is_rate_limited,
    ui::forms_require_the_session_csrf_token,
    ui::cross_origin_posts_are_refused,
    ui::a_form_with_errors_keeps_what_was_typed_and_names_each_field,
    ui::officer_registers_and_finds_by_search_in_english_too,
    ui::stored_html_is_rendered_inert_and_headers_are_strict,
    ui::home_offers_demo_logins_and_every_error_page_a_way_back,
    ui::administrators_manage_users_and_nobody_else_does,
    ui::an_officer_imports_a_file_in_the_browser_and_gets_the_rejected_rows,
    readiness::owner_goes_from_applicable_standard_to_pdf_and_action_plan,
    readiness::bad_answers_are_refused_with_a_reason,
    readiness::assessments_outside_the_scope_answer_404,
    readiness::officer_assesses_in_the_browser_and_sees_the_region_picture,
    certification::certificate_from_application_to_issue_in_the_browser,
    certification::illegal_steps_and_other_bodies_are_refused,
    certification::public_verify_is_cacheable_clean_and_shows_suspension_at_once,
    certification::tampered_qr_payload_is_rejected,
    certification::ladder_follows_active_certificates_and_the_sweep_expires,
    linkage::buyer_gets_explained_verified_matches_and_suspension_drops_at_once,
    linkage::contact_details_only_after_acceptance_and_supply_makes_l5,
    linkage::the_journey_works_in_the_browser_with_forms_only,
    linkage::the_directory_is_public_and_holds_no_personal_data,
    openapi::openapi_document_matches_its_snapshot,
    programs::programme_from_set_up_to_disbursement_through_the_api,
    programs::a_certification_subsidy_is_linked_to_its_application,
    programs::the_whole_flow_works_with_forms_only,
    programs::enrolment_is_taken_only_within_the_programme_period,
    programs::an_enterprise_with_a_programme_history_is_not_deleted,
    openapi::the_docs_page_uses_vendored_assets_only,
    security::unknown_users_take_as_long_as_wrong_passwords,
    security::injection_strings_are_plain_data,
    security::every_response_carries_the_security_headers,
    security::cookies_are_secure_when_served_over_https,
    security::logout_ends_the_session_on_the_server,
    security::api_tokens_are_checked,
    security::anonymous_pages_show_no_personal_data,
    security::the_log_holds_no_personal_data_or_passwords,
}
