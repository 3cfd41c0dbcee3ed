"""Great-circle distances and the bounding box used to prefilter on indexed latitude/longitude.

Pattern for "everything within R km of a point": query the rows whose (lat, lon) fall in
``bounding_box(lat, lon, R)`` (an index range scan), then keep those with ``haversine_km <= R``.
"""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)

# Tiny relative margin so floating-point rounding can never put a point at exactly R km
# just outside the box.
_BOX_MARGIN = 1e-9


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two points given in decimal degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    a = min(1.0, max(0.0, a))  # guard against rounding just outside [0, 1]
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def bounding_box(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    """``(min_lat, max_lat, min_lon, max_lon)`` of a box containing every point within ``km``.

    The longitude half-width is the exact extent of a spherical cap, asin(sin(d) / cos(lat))
    (J. Matuschek), so the box is tight at mid-latitudes. When the circle reaches a pole the box
    spans every longitude; when it crosses the ±180° meridian the box also spans every longitude
    (a wider box is always safe: the exact distance filter follows).
    """
    if km < 0:
        raise ValueError("km must be >= 0")
    angular = km / EARTH_RADIUS_KM * (1 + _BOX_MARGIN)  # radians
    dlat = math.degrees(angular)
    min_lat, max_lat = lat - dlat, lat + dlat
    if max_lat >= 90.0 or min_lat <= -90.0 or angular >= math.pi / 2:
        return max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0
    ratio = math.sin(angular) / math.cos(math.radians(lat))
    if ratio >= 1.0:  # pragma: no cover - only reachable when a pole is inside the circle
        return min_lat, max_lat, -180.0, 180.0
    dlon = math.degrees(math.asin(ratio))
    min_lon, max_lon = lon - dlon, lon + dlon
    if min_lon < -180.0 or max_lon > 180.0:
        return min_lat, max_lat, -180.0, 180.0
    return min_lat, max_lat, min_lon, max_lon


def destination(lat: float, lon: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """The point reached from (lat, lon) after ``km`` on ``bearing_deg`` (0 = north, 90 = east)."""
    angular = km / EARTH_RADIUS_KM
    phi1, lambda1 = math.radians(lat), math.radians(lon)
    theta = math.radians(bearing_deg)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(angular) + math.cos(phi1) * math.sin(angular) * math.cos(theta)
    )
    lambda2 = lambda1 + math.atan2(
        math.sin(theta) * math.sin(angular) * math.cos(phi1),
        math.cos(angular) - math.sin(phi1) * math.sin(phi2),
    )
    lon2 = (math.degrees(lambda2) + 540.0) % 360.0 - 180.0
    return math.degrees(phi2), lon2
