"""The Moderators group: staff in it may review submissions, flags and users, and read the log."""

from django.db import migrations

from portal.services.accounts import MODERATORS_GROUP, moderators_group_ensure

def forwards(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are created after migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    moderators_group_ensure(
        group_model=apps.get_model("auth", "Group"),
        permission_model=apps.get_model("auth", "Permission"),
    )


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=MODERATORS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0003_accounts_and_moderation"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
