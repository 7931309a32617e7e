"""Errors raised by the criteria package.

Every message names the profile file (when there is one), the criterion or constraint at
fault, what was received and how to fix it, so the CLI can print it as one line and the
app can show it in an error box.
"""

from __future__ import annotations

from pathlib import Path

from geo._errors import PlekwijzerError, PlekwijzerInputError


class ProfileError(PlekwijzerError):
    """A profile, one of its criteria or constraints, or its use on a feature table is wrong.

    Parameters
    ----------
    message
        What is wrong and how to fix it.
    source
        The profile file the problem was found in, if any; its name prefixes the message.
    item
        The criterion or constraint at fault, e.g. ``"criterion 'ov_access'"``.
    """

    def __init__(
        self, message: str, *, source: str | Path | None = None, item: str | None = None
    ) -> None:
        self.source = None if source is None else str(source)
        self.item = item
        self.detail = message
        prefix = f"{Path(self.source).name}: " if self.source else ""
        if item:
            prefix += f"{item}: "
        super().__init__(prefix + message)

    def located(self, *, source: str | Path | None = None, item: str | None = None) -> ProfileError:
        """Return a copy of this error with the file and item filled in where still unknown.

        Parameters
        ----------
        source
            The profile file, used when the error does not name one yet.
        item
            The criterion or constraint, used when the error does not name one yet.

        Returns
        -------
        ProfileError
            An error of the same class carrying the same attributes.
        """
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        ProfileError.__init__(
            new,
            self.detail,
            source=self.source if self.source is not None else source,
            item=self.item if self.item is not None else item,
        )
        return new


class WeightError(ProfileError):
    """Weights that cannot be used: negative, missing, all zero or not a number."""


class InconsistentJudgementsError(WeightError):
    """AHP pairwise judgements whose consistency ratio exceeds the accepted maximum (0.1).

    Attributes
    ----------
    consistency_ratio
        The consistency ratio of the judgements.
    worst_pair
        The pair ``(a, b)`` whose judgement deviates most from the derived weights.
    """

    consistency_ratio: float
    worst_pair: tuple[str, str]


class FeatureTableError(PlekwijzerError):
    """A feature table that cannot be scored (e.g. a duplicated index)."""


class ShortlistOptionError(PlekwijzerError):
    """A shortlist option out of range: a count, spacing, cap or evenness weight."""


class CoverageError(PlekwijzerError):
    """A coverage plan that cannot be made: a bad reach or site count, or no usable sites."""


class ScenarioFileError(PlekwijzerInputError):
    """A scenario file that cannot be used: unreadable, too big or deep, or a bad field.

    Parameters
    ----------
    message
        What is wrong and how to fix it.
    field
        The field at fault (``shortlist.top_n``), named after the file.
    source
        The file.
    """

    def __init__(
        self, message: str, *, field: str | None = None, source: str | Path | None = None
    ) -> None:
        self.field = field
        super().__init__(f"veld {field}: {message}" if field else message, source=source)


class PlanError(PlekwijzerError):
    """A regional plan that cannot be asked or made: a bad option, key or facility type."""
