"""The family portal's URLs: families, not staff, use them; their isolation is tested on its own."""

REASON = "family portal: tested in tests/portal/test_isolation.py"

EXEMPT = {
    name: REASON
    for name in [
        "portal:home",
        "portal:sign_in",
        "portal:verify",
        "portal:link_sent",
        "portal:link",
        "portal:deep_link",
        "portal:sign_out",
        "portal:language",
        "portal:children",
        "portal:liaison_photo",
        "portal:preferences",
        "portal:conversations",
        "portal:conversation",
        "portal:announcements",
        "portal:announcement",
        "portal:attachment",
        "portal:events",
        "portal:event",
        "portal:find_help",
        "portal:concern_new",
        "portal:concern",
    ]
}
