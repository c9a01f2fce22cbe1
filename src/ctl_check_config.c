/* ctl_check_config */
