"""The feeds file: validation with errors naming the feed and field, environment references."""

import pytest

from collectors.config import FeedConfigError, load_feeds, parse_feeds

FEED = {
    "name": "traffic",
    "domain": "traffic",
    "protocol": "ngsi",
    "url": "${UPSTREAM}/ngsi/v2",
    "options": {"entity_type": "TrafficFlowObserved"},
}


def test_environment_references_are_expanded():
    feeds = parse_feeds({"feed": [FEED]}, env={"UPSTREAM": "http://10.0.0.5:1026"})
    assert feeds[0].url == "http://10.0.0.5:1026/ngsi/v2"
    assert feeds[0].source_name == "traffic"


def test_default_after_colon_dash_is_used_when_unset():
    feeds = parse_feeds({"feed": [{**FEED, "url": "${UPSTREAM:-http://localhost:1026}"}]}, env={})
    assert feeds[0].url == "http://localhost:1026"


def test_missing_variable_is_a_clear_error():
    with pytest.raises(FeedConfigError, match="UPSTREAM is not set"):
        parse_feeds({"feed": [FEED]}, env={})


def test_unknown_option_names_feed_and_field():
    with pytest.raises(FeedConfigError, match=r"feed traffic: intervall: Extra inputs"):
        parse_feeds({"feed": [{**FEED, "intervall": 60}]}, env={"UPSTREAM": "x"})


def test_unknown_protocol_lists_known_ones():
    with pytest.raises(FeedConfigError, match=r"feed traffic: protocol: .*unknown protocol 'soap'.*open311"):
        parse_feeds({"feed": [{**FEED, "protocol": "soap"}]}, env={"UPSTREAM": "x"})


def test_defaults_table_applies_to_every_feed():
    feeds = parse_feeds({"defaults": {"interval_seconds": 120}, "feed": [FEED]}, env={"UPSTREAM": "x"})
    assert feeds[0].interval_seconds == 120


def test_duplicate_names_are_refused():
    with pytest.raises(FeedConfigError, match="repeated: traffic"):
        parse_feeds({"feed": [FEED, FEED]}, env={"UPSTREAM": "x"})


def test_invalid_toml_names_the_file(tmp_path):
    path = tmp_path / "feeds.toml"
    path.write_text("[[feed]\nname=", encoding="utf-8")
    with pytest.raises(FeedConfigError, match="not valid TOML"):
        load_feeds(path)
