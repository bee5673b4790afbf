/// Keys DC/OS calculates itself. Writing one in config.yaml is an error that says what it is derived from.
public enum CalculatedKeys {
    public static let derivedFrom: [String: String] = {
        var table: [String: String] = [
            "master_quorum": "master_list",
            "exhibitor_static_ensemble": "master_list",
            "exhibitor_admin_password_enabled": "exhibitor_admin_password",
            "resolvers_str": "resolvers",
            "mesos_dns_resolvers_str": "resolvers",
            "dns_bind_ip_blacklist_json": "dns_bind_ip_blacklist",
            "mesos_log_retention_count": "mesos_log_retention_mb",
            "mesos_log_directory_max_files": "mesos_log_retention_mb",
            "mesos_isolation": "enable_gpu_isolation",
            "mesos_hooks": "dcos_remove_dockercfg_enable",
            "use_mesos_hooks": "dcos_remove_dockercfg_enable",
            "no_proxy_final": "no_proxy",
            "rexray_config_contents": "rexray_config",
            "has_master_external_loadbalancer": "master_external_loadbalancer",
            "has_mesos_max_completed_tasks_per_framework": "mesos_max_completed_tasks_per_framework",
            "cluster_docker_registry_enabled": "cluster_docker_registry_url",
            "cluster_docker_credentials_path": "cluster_docker_credentials",
            "cluster_docker_credentials_dcos_owned": "cluster_docker_credentials",
            "fair_sharing_excluded_resource_names": "gpus_are_scarce",
            "check_config_contents": "check_config",
            "adminrouter_tls_version_override": "adminrouter_tls_1_*_enabled",
            "adminrouter_tls_cipher_override": "adminrouter_tls_cipher_suite",
            "dcos_l4lb_min_named_ip_erltuple": "dcos_l4lb_min_named_ip",
            "dcos_l4lb_max_named_ip_erltuple": "dcos_l4lb_max_named_ip",
            "dcos_l4lb_min_named_ip6_erltuple": "dcos_l4lb_min_named_ip6",
            "dcos_l4lb_max_named_ip6_erltuple": "dcos_l4lb_max_named_ip6",
            "dcos_gen_resolvconf_search_str": "dns_search",
            "has_dns_search": "dns_search",
            "has_resolvers": "resolvers",
            "ip_detect_contents": "ip_detect_filename",
            "ip_detect_public_contents": "ip_detect_public_filename",
            "dcos_overlay_network_json": "dcos_overlay_network",
            "adminrouter_auth_enabled": "oauth_enabled",
            "zk_connect": "master_list",
        ]
        for name in [
            "dcos_version", "dcos_variant", "dcos_image_commit", "marathon_port", "mesos_agent_log_file",
            "mesos_master_log_file", "curly_pound", "custom_auth", "licensing_enabled", "fault_domain_enabled",
            "ui_branding", "ui_external_links", "ui_networking", "ui_organization", "ui_telemetry_metadata",
            "dcos_l4lb_forward_metrics", "check_ld_library_path", "provider", "package_ids", "check_search_path",
            "cluster_packages", "cluster_package_list_id", "user_arguments", "user_arguments_full", "config_yaml",
            "config_yaml_full", "expanded_config", "expanded_config_full", "template_filenames",
            "config_package_names", "config_id", "bundle_id", "profile_symlink_source", "profile_symlink_target",
            "profile_symlink_target_dir", "custom_check_bins_provided", "custom_check_bins_dir",
            "custom_check_bins_package_id",
        ] {
            table[name] = "the installer release"
        }
        return table
    }()
}
