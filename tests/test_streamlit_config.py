import tomllib

from streamlit import config

from geo.paths import PROJECT_ROOT

CONFIG = PROJECT_ROOT / ".streamlit" / "config.toml"


def _options():
    data = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    return {
        f"{section}.{key}": value for section, table in data.items() for key, value in table.items()
    }


def test_every_option_is_one_streamlit_knows():
    known = config._config_options_template  # the only list Streamlit exposes of its options
    assert sorted(set(_options()) - set(known)) == []


def test_privacy_settings():
    options = _options()
    assert options["browser.gatherUsageStats"] is False
    # No tracebacks (with server paths) in the browser; no developer menu for end users.
    assert options["client.showErrorDetails"] == "none"
    assert options["client.toolbarMode"] == "minimal"
    assert options["theme.base"] == "light"
