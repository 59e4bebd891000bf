"""The about page, the API reference rendered from docs/openapi.yaml, and the 404 page."""

import yaml
from django.urls import reverse

from portal.selectors.apidocs import OPENAPI_PATH


def test_about_names_the_paper_dataset_harness_and_how_to_cite(client, make_task):
    make_task(slug="alpha")

    page = client.get(reverse("portal:about")).content.decode()

    for link in (
        "https://arxiv.org/abs/2402.07844",
        "https://huggingface.co/datasets/Elfsong/Mercury",
        "https://github.com/Elfsong/Mercury",
    ):
        assert f'href="{link}"' in page
    assert "@article{du2024mercury," in page
    assert "How runtime is measured" in page and "What differs" in page


def test_the_api_reference_renders_every_operation_and_schema_of_the_spec(client, db):
    spec = yaml.safe_load(OPENAPI_PATH.read_text())

    response = client.get(reverse("portal:docs_api"))

    page = response.content.decode()
    assert response.status_code == 200
    for path, item in spec["paths"].items():
        for method in ("get", "post"):
            if method in item:
                assert f'id="{item[method]["operationId"]}"' in page, (method, path)
    for name in spec["components"]["schemas"]:
        assert f'id="schema-{name}"' in page
    # Served by the site itself: no script or style from elsewhere.
    assert '<script src="http' not in page and "cdn" not in page.lower()
    raw = client.get(reverse("portal:openapi_yaml"))
    assert raw.status_code == 200 and yaml.safe_load(raw.content)["openapi"].startswith("3.1")


def test_the_profile_links_the_api_reference(uploader_client):
    page = uploader_client.get(reverse("portal:profile")).content.decode()
    assert reverse("portal:docs_api") in page


def test_a_missing_page_is_styled_and_says_entries_may_be_private(client, db, settings):
    settings.DEBUG = False

    response = client.get("/submissions/999999/")

    page = response.content.decode()
    assert response.status_code == 404
    assert 'class="site-header"' in page and reverse("portal:leaderboard") in page
    assert "private" in page and "reviewed and approved" in page
