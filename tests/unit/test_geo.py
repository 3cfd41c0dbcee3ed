"""Great-circle distance and bounding-box prefilter."""

from __future__ import annotations

import pytest

from stages_app.services.geo import EARTH_RADIUS_KM, bounding_box, destination, haversine_km

PARIS = (48.8566, 2.3522)  # Hôtel de Ville
LYON = (45.7640, 4.8357)  # Hôtel de Ville
MARSEILLE = (43.2965, 5.3698)
BOBIGNY = (48.9068, 2.4352)


def _in_box(box, lat, lon) -> bool:
    min_lat, max_lat, min_lon, max_lon = box
    return min_lat <= lat <= max_lat and min_lon <= lon <= max_lon


def test_known_distances():
    assert haversine_km(*PARIS, *LYON) == pytest.approx(392, abs=2)
    assert haversine_km(*PARIS, *MARSEILLE) == pytest.approx(661, abs=3)
    # Bobigny is about 9 km north-east of the centre of Paris.
    assert haversine_km(*PARIS, *BOBIGNY) == pytest.approx(8.6, abs=0.5)


def test_distance_is_symmetric_and_zero_on_itself():
    assert haversine_km(*PARIS, *PARIS) == 0
    assert haversine_km(*PARIS, *LYON) == pytest.approx(haversine_km(*LYON, *PARIS))


def test_one_degree_of_latitude_and_antipodes():
    assert haversine_km(0, 0, 1, 0) == pytest.approx(111.195, abs=0.01)
    assert haversine_km(0, 0, 0, 180) == pytest.approx(3.141592653589793 * EARTH_RADIUS_KM)


def test_destination_is_at_the_requested_distance():
    lat, lon = destination(*PARIS, 37, 60)
    assert haversine_km(*PARIS, lat, lon) == pytest.approx(60, abs=1e-6)


@pytest.mark.parametrize(
    "centre",
    [PARIS, LYON, (0.0, 0.0), (-21.1151, 55.5364), (64.1466, -21.9426), (78.2232, 15.6267)],
    ids=["paris", "lyon", "equator", "la-reunion", "reykjavik", "svalbard"],
)
@pytest.mark.parametrize("km", [0.5, 60, 500])
def test_box_contains_the_circle_in_every_direction(centre, km):
    box = bounding_box(*centre, km)
    for bearing in range(0, 360, 5):
        for fraction in (0.5, 0.999999, 1.0):
            lat, lon = destination(*centre, bearing, km * fraction)
            assert _in_box(box, lat, lon), (centre, km, bearing, fraction)


def test_box_is_tight_at_mid_latitude():
    min_lat, max_lat, min_lon, max_lon = bounding_box(*PARIS, 60)
    # 60 km is ~0.54° of latitude and ~0.82° of longitude at Paris.
    assert max_lat - PARIS[0] == pytest.approx(0.5396, abs=0.001)
    assert max_lon - PARIS[1] == pytest.approx(0.8206, abs=0.002)
    # A point just beyond the radius along a meridian is outside the box.
    lat, lon = destination(*PARIS, 0, 60.5)
    assert not _in_box((min_lat, max_lat, min_lon, max_lon), lat, lon)


def test_box_near_a_pole_spans_every_longitude():
    min_lat, max_lat, min_lon, max_lon = bounding_box(89.9, 10.0, 60)
    assert max_lat == 90.0
    assert (min_lon, max_lon) == (-180.0, 180.0)
    # A point on the far side of the pole, within 60 km, is inside.
    lat, lon = destination(89.9, 10.0, 0, 40)
    assert haversine_km(89.9, 10.0, lat, lon) == pytest.approx(40)
    assert _in_box((min_lat, max_lat, min_lon, max_lon), lat, lon)
    south = bounding_box(-89.95, 0, 60)
    assert south[0] == -90.0 and south[2:] == (-180.0, 180.0)


def test_box_across_the_antimeridian_spans_every_longitude():
    box = bounding_box(-17.7, 179.9, 60)  # Fiji
    assert box[2:] == (-180.0, 180.0)
    lat, lon = destination(-17.7, 179.9, 90, 50)
    assert lon < 0 and _in_box(box, lat, lon)


def test_negative_radius_is_refused():
    with pytest.raises(ValueError):
        bounding_box(*PARIS, -1)
