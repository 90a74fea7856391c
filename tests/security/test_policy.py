"""The access rules as pure functions, against the table of docs/security.md ("Who may see what"): pages, the
admin pages, the record API and the rest of the API per role, public paths, and who sees personal data."""

from __future__ import annotations

import pytest

from dashboard.auth.policy import ROLES, api_allowed, is_public, matches, page_allowed, sees_personal_data

PAGES = ["/", "/map", "/complaints", "/district/330102", "/wall"]
ADMIN_PAGES = ["/admin", "/admin/users", "/admin/tokens/kiosk/revoke"]
RECORD_API = ["/api/v1/complaints", "/api/v1/complaints.csv"]
OTHER_API = ["/api/v1/kpis", "/api/v1/alerts", "/api/v1/map/districts"]

#: Per role, from the table: which pages, admin pages, record API and other API paths it reaches.
TABLE = {
    "public": {"pages": set(), "admin": False, "records": False, "api": False},
    "wall": {"pages": {"/wall"}, "admin": False, "records": False, "api": True},
    "leader": {"pages": set(PAGES), "admin": False, "records": True, "api": True},
    "analyst": {"pages": set(PAGES), "admin": False, "records": True, "api": True},
    "admin": {"pages": set(PAGES), "admin": True, "records": True, "api": True},
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_what_the_table_says(role):
    expected = TABLE[role]
    assert {p for p in PAGES if page_allowed(role, p)} == expected["pages"]
    assert [page_allowed(role, p) for p in ADMIN_PAGES] == [expected["admin"]] * len(ADMIN_PAGES)
    assert [api_allowed(role, p) for p in RECORD_API] == [expected["records"]] * len(RECORD_API)
    assert [api_allowed(role, p) for p in OTHER_API] == [expected["api"]] * len(OTHER_API)


def test_the_wall_reaches_the_pages_below_its_own():
    assert page_allowed("wall", "/wall/scene")
    assert not page_allowed("wall", "/wallpaper")


def test_public_paths_open_a_path_and_what_is_below_it_to_anonymous_visitors():
    public = ["/map", "/api/v1/kpis"]
    assert page_allowed("public", "/map", public) and page_allowed("public", "/map/layers", public)
    assert not page_allowed("public", "/mapping", public)  # a longer name is not below the path
    assert not page_allowed("public", "/", public)
    assert api_allowed("public", "/api/v1/kpis", public)
    assert not api_allowed("public", "/api/v1/alerts", public)
    assert not api_allowed("public", "/api/v1/complaints", public)


def test_a_public_path_written_with_a_trailing_slash_covers_what_is_below_it():
    assert is_public("/map/", ["/map/"])
    assert is_public("/map/layers", ["/map/"])
    assert not is_public("/mapping", ["/map/"])


def test_the_root_as_a_public_path_opens_only_itself():
    assert matches("/", ["/"])
    assert not matches("/map", ["/"])
    assert page_allowed("public", "/", ["/"]) and not page_allowed("public", "/map", ["/"])


def test_the_admin_pages_are_never_public():
    assert not is_public("/admin", ["/admin"])
    assert not is_public("/admin/users", ["/admin", "/"])
    assert not page_allowed("public", "/admin", ["/admin"])
    assert not page_allowed("leader", "/admin", ["/admin"])
    assert page_allowed("admin", "/admin", ["/admin"])


def test_matching_tries_every_prefix():
    assert matches("/halls/3", ["/map", "/halls"])
    assert matches("/BOX/1", ["/BOX"])  # only slashes are taken off a prefix's end
    assert not matches("/traffic", ["/map", "/halls"])
    assert not matches("/map", [])


def test_the_wall_and_the_public_never_see_personal_data_whatever_the_setting():
    everyone = ROLES
    assert [sees_personal_data(role, everyone) for role in ROLES] == [False, False, True, True, True]
    assert [sees_personal_data(role, ("analyst", "admin")) for role in ROLES] == [False, False, False, True, True]
    assert not sees_personal_data("analyst", ())
