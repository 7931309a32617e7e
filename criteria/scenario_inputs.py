"""What a scenario refers to outside itself: data directory, input files, uploads, profile.

A scenario file must not hold paths of the server it was made on, yet a rerun must find the
same inputs. So the data directory is named by its source (:func:`data_dir_name`), input
files keep the path the user gave, an upload in the app is recorded by name and sha256
(:class:`UploadRef`) and must be given again, the same bytes (:func:`with_input_files`), and
a named profile is fingerprinted (:func:`profile_fingerprint`) so a changed profile is
noticed instead of silently giving other figures.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from criteria._errors import ScenarioFileError
from criteria.profiles import Profile, load_profile, profile_from_dict
from criteria.scenario import Scenario
from geo.datadir import SHARED_DATA_NAME
from geo.settings import DATA_DIR_ENV

if TYPE_CHECKING:
    from geo.datadir import DataSource

#: The scenario's input files, in the order written.
INPUT_FILES = ("candidates", "facilities", "roads", "dwellings", "sensitive_osm")
#: Names of data directories that are not a path on this machine, by how they were chosen.
DATA_DIR_NAMES = {
    SHARED_DATA_NAME: SHARED_DATA_NAME,
    f"${DATA_DIR_ENV}": f"${DATA_DIR_ENV}",
    "synthetic demo": "demo",
}

#: Profile keys that only explain (texts); they do not change a figure.
_TEXT_KEYS = frozenset({"title", "description", "label", "help", "rationale"})


@dataclass(frozen=True)
class UploadRef:
    """A file uploaded in the app, recorded by name and content hash (never by a path).

    Inside a :class:`Scenario` an upload is the text ``upload:NAME#sha256:HEX``
    (:meth:`label`), so the run can name it; in the file it is ``{"file", "sha256"}``.
    """

    file: str
    sha256: str

    PREFIX = "upload:"

    @property
    def label(self) -> str:
        """The text standing for the upload inside a scenario."""
        return f"{self.PREFIX}{self.file}#sha256:{self.sha256}"

    @classmethod
    def parse(cls, text: object) -> UploadRef | None:
        """Return the upload a scenario input names, or None for a path or nothing."""
        if not isinstance(text, str) or not text.startswith(cls.PREFIX):
            return None
        name, _, digest = text.removeprefix(cls.PREFIX).rpartition("#sha256:")
        return cls(file=name, sha256=digest.lower())

    def matches(self, digest: str) -> bool:
        """Whether a full sha256 hex digest is this upload's (layout 2 kept 16 digits)."""
        return bool(self.sha256) and digest.lower().startswith(self.sha256)

    def check(self, path: str | Path, *, option: str) -> None:
        """Refuse a file given for this upload when its content differs.

        Parameters
        ----------
        path
            The file given again (``--candidates FILE``).
        option
            The input it stands for, named in the message.

        Raises
        ------
        ScenarioFileError
            When the file is missing or its sha256 differs.
        """
        try:
            digest = file_sha256(path)
        except OSError as err:
            msg = f"onleesbaar ({err.strerror}); geef het bestand van de upload {self.file!r}"
            raise ScenarioFileError(msg, source=path) from err
        if not self.matches(digest):
            msg = (
                f"niet het bestand dat het scenario voor {option} gebruikte: de sha256 "
                f"{digest[:16]}… verschilt van {self.sha256[:16]}… van de upload "
                f"{self.file!r}; geef dat bestand"
            )
            raise ScenarioFileError(msg, source=path)


def file_sha256(path: str | Path) -> str:
    """Return the sha256 hex digest of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def expected_uploads(scenario: Scenario) -> dict[str, UploadRef]:
    """Return the inputs of a scenario that were uploads: ``{"candidates": UploadRef}``."""
    refs = {option: UploadRef.parse(getattr(scenario, option)) for option in INPUT_FILES}
    return {option: ref for option, ref in refs.items() if ref is not None}


def require_input_files(scenario: Scenario, *, source: str | Path | None = None) -> None:
    """Refuse a scenario whose uploads were not given again, before anything is read.

    Parameters
    ----------
    scenario
        A scenario read from a file, after :func:`with_input_files`.
    source
        The scenario file, named in the message.

    Raises
    ------
    ScenarioFileError
        Naming the upload and the option to give it with.
    """
    for option, ref in expected_uploads(scenario).items():
        msg = (
            f"het scenario gebruikte {ref.file!r} (sha256 {ref.sha256[:16]}…), geüpload in de "
            f"app; geef dat bestand opnieuw met --{option.replace('_', '-')} BESTAND"
        )
        raise ScenarioFileError(msg, field=f"inputs.{option}", source=source)


def with_input_files(scenario: Scenario, files: Mapping[str, str]) -> Scenario:
    """Return the scenario with input files given again; an upload's file must match its hash.

    Parameters
    ----------
    scenario
        A scenario read from a file.
    files
        Option -> path, e.g. ``{"candidates": "sites.csv"}`` (from ``--candidates``).

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioFileError
        When a file given for an upload differs from it.
    """
    for option, path in files.items():
        ref = UploadRef.parse(getattr(scenario, option, None))
        if ref is not None:
            ref.check(path, option=option)
    return scenario.replace(**dict(files))


def decision_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Return a profile spec (:meth:`Profile.to_dict`) without its texts: what decides."""
    out = {k: v for k, v in spec.items() if k not in _TEXT_KEYS}
    for key in ("constraint", "criterion"):
        if key in out:
            out[key] = [{k: v for k, v in item.items() if k not in _TEXT_KEYS} for item in out[key]]
    return out


def profile_fingerprint(profile: Profile) -> str:
    """Return the sha256 of a profile's decision part (texts left out).

    Parameters
    ----------
    profile
        A profile, without the scenario's overrides.

    Returns
    -------
    str
        64 hex digits; a changed rule, transform or weight changes it, a reworded label not.
    """
    canonical = json.dumps(decision_spec(profile.to_dict()), sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def base_profile(scenario: Scenario) -> Profile:
    """Return a scenario's profile before its overrides: the inline spec or the named one."""
    if scenario.profile_spec is not None:
        return profile_from_dict(json.loads(scenario.profile_spec), source=scenario.profile)
    return load_profile(scenario.profile)


def data_dir_name(scenario: Scenario, source: DataSource) -> str | None:
    """Name a run's data directory without a server path.

    The user's own ``--data-dir`` is kept as given; otherwise the source that chose it:
    ``../shared/data``, ``$PLEKWIJZER_DATA`` or ``demo``.
    """
    if scenario.data_dir is not None:
        return scenario.data_dir
    return DATA_DIR_NAMES.get(source.origin, "demo" if source.synthetic else None)
