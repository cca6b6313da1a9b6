#!/usr/bin/env bash
# devstack plugin for Microscope: queue-based performance diagnosis of
# network functions.  Enable it in local.conf:
#
#   [[local|localrc]]
#   enable_plugin microscope <git url of this repository> [branch]
#
# Phases: stack install, post-config, extra; unstack; clean.
# shellcheck disable=SC2154   # DEST, SERVICE_HOST, ... come from devstack

XTRACE=$(set +o | grep xtrace)
set -o xtrace

function microscope_url {
    echo "$MICROSCOPE_SERVICE_PROTOCOL://$MICROSCOPE_SERVICE_HOST:$MICROSCOPE_SERVICE_PORT"
}

function install_microscope {
    setup_develop "$MICROSCOPE_DIR"
    if [[ "$MICROSCOPE_BUILD_COLLECTOR" == "True" ]]; then
        install_package dpdk dpdk-dev libdpdk-dev pkg-config zlib1g-dev
        make -C "$MICROSCOPE_DIR/collector"
    fi
}

function create_microscope_accounts {
    if ! is_service_enabled keystone; then
        return
    fi
    create_service_user "microscope" "admin"
    get_or_create_service "microscope" "microscope" \
        "Queue-based performance diagnosis of network functions"
    get_or_create_endpoint "microscope" "$REGION_NAME" "$(microscope_url)"
}

function configure_microscope {
    sudo install -d -o "$STACK_USER" "$MICROSCOPE_CONF_DIR" "$MICROSCOPE_STATE_PATH"
    cp "$MICROSCOPE_DIR/etc/microscope/microscope.conf.sample" "$MICROSCOPE_CONF"

    iniset "$MICROSCOPE_CONF" DEFAULT state_path "$MICROSCOPE_STATE_PATH"
    iniset "$MICROSCOPE_CONF" DEFAULT debug "$ENABLE_DEBUG_LOG_LEVEL"
    iniset "$MICROSCOPE_CONF" database connection "$(database_connection_url microscope)"
    iniset_rpc_backend microscope "$MICROSCOPE_CONF"
    iniset "$MICROSCOPE_CONF" api host "$MICROSCOPE_SERVICE_HOST"
    iniset "$MICROSCOPE_CONF" api port "$MICROSCOPE_SERVICE_PORT"
    iniset "$MICROSCOPE_CONF" api auth_strategy "$MICROSCOPE_AUTH_STRATEGY"
    iniset "$MICROSCOPE_CONF" engine workers "$MICROSCOPE_ENGINE_WORKERS"
    iniset "$MICROSCOPE_CONF" integrations public_url "$(microscope_url)"
    if [[ "$MICROSCOPE_AUTH_STRATEGY" == "keystone" ]]; then
        configure_keystone_authtoken_middleware "$MICROSCOPE_CONF" microscope
    fi

    local sinks=$MICROSCOPE_ALARM_SINKS
    if is_service_enabled aodh && [[ -n "$MICROSCOPE_AODH_WEBHOOK" ]]; then
        sinks="$sinks,aodh"
        iniset "$MICROSCOPE_CONF" alarms aodh_url "$MICROSCOPE_AODH_WEBHOOK"
    fi
    if is_service_enabled tacker; then
        if [[ -n "$MICROSCOPE_TACKER_PROMETHEUS_URL" ]]; then
            sinks="$sinks,tacker_prometheus"
            iniset "$MICROSCOPE_CONF" alarms tacker_url "$MICROSCOPE_TACKER_PROMETHEUS_URL"
        fi
        iniset "$MICROSCOPE_CONF" integrations collector_deployer tacker
        if [[ "$MICROSCOPE_TACKER_MGMT_DRIVER" == "True" ]]; then
            iniset "$TACKER_CONF" tacker vnflcm_mgmt_driver "vnflcm_noop,microscope"
        fi
    fi
    iniset "$MICROSCOPE_CONF" integrations alarm_sinks "$sinks"
}

function init_microscope {
    if is_service_enabled mysql postgresql; then
        recreate_database microscope
    fi
    "$MICROSCOPE_BIN_DIR/microscope-dbsync" --config-file "$MICROSCOPE_CONF" upgrade
}

function start_microscope {
    run_process microscope-api "$MICROSCOPE_BIN_DIR/microscope-api --config-file $MICROSCOPE_CONF"
    run_process microscope-engine "$MICROSCOPE_BIN_DIR/microscope-engine --config-file $MICROSCOPE_CONF"
    if ! wait_for_service "$SERVICE_TIMEOUT" "$(microscope_url)/"; then
        die $LINENO "microscope-api did not start"
    fi
}

function stop_microscope {
    local service
    for service in microscope-api microscope-engine; do
        stop_process "$service"
    done
}

function cleanup_microscope {
    sudo rm -rf "$MICROSCOPE_CONF_DIR" "$MICROSCOPE_STATE_PATH"
}

MICROSCOPE_BIN_DIR=$(get_python_exec_prefix)

if is_service_enabled microscope-api microscope-engine; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing Microscope"
        install_microscope
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring Microscope"
        configure_microscope
        create_microscope_accounts
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Initialising and starting Microscope"
        init_microscope
        start_microscope
    fi

    if [[ "$1" == "unstack" ]]; then
        stop_microscope
    fi

    if [[ "$1" == "clean" ]]; then
        cleanup_microscope
    fi
fi

$XTRACE
