"""The Moderators group: staff in it may review submissions, flags and users, and read the log."""

from django.db import migrations

GROUP = "Moderators"
# (app, model, actions) the group may use in the admin.
PERMISSIONS = [
    ("portal", "submission", ("view", "change")),
    ("portal", "result", ("view",)),
    ("portal", "flag", ("view", "change")),
    ("portal", "auditlog", ("view",)),
    ("portal", "rejudgebatch", ("view",)),
    ("portal", "task", ("view",)),
    ("portal", "calibration", ("view",)),
    # Viewing is enough for the trust actions; "change" would let a moderator grant permissions.
    ("auth", "user", ("view",)),
]


def forwards(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are created after migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for app_label, model, actions in PERMISSIONS:
        for action in actions:
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=f"{action}_{model}"
            ).first()
            if permission is not None:
                group.permissions.add(permission)


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0003_accounts_and_moderation"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
