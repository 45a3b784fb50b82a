"""An independent check of FindShortestRoute answers, over the ROUTE edges read back from the
graph: a found route must be a chain of existing airport pairs from the origin to the
destination, flown by the airlines the graph has on each pair, with the fewest segments there
are; "no route" must mean there is none within the segment limit.

Among routes with the fewest segments the service picks the shortest distance; that tie-break
is not checked here.
"""

import math


class RouteCheck:
    def __init__(self, airlines_by_pair: dict):
        """`airlines_by_pair`: (origin, destination) IATA codes -> set of airline codes."""
        self.airlines_by_pair = airlines_by_pair
        self.outgoing = {}
        self.incoming = {}
        for origin, destination in airlines_by_pair:
            self.outgoing.setdefault(origin, set()).add(destination)
            self.incoming.setdefault(destination, set()).add(origin)

    def fewest_segments(self, origin: str, destination: str, limit: int):
        """Segments of the shortest chain from origin to destination, or None beyond `limit`.

        Meets in the middle: a chain of n <= limit segments has an airport within
        ceil(limit / 2) segments of the origin and n minus that of the destination.
        """
        forward = self._reach(origin, self.outgoing, math.ceil(limit / 2))
        backward = self._reach(destination, self.incoming, limit // 2)
        for total in range(1, limit + 1):
            for i in range(max(0, total - len(backward) + 1), min(total, len(forward) - 1) + 1):
                if not forward[i].isdisjoint(backward[total - i]):
                    return total
        return None

    @staticmethod
    def _reach(start, adjacency, depth):
        """reach[k]: the airports within k segments of `start` (k = 0 … depth)."""
        reach = [{start}]
        frontier = {start}
        for _ in range(depth):
            step = set()
            for airport in frontier:
                step.update(adjacency.get(airport, ()))
            frontier = step - reach[-1]
            reach.append(reach[-1] | frontier)
        return reach

    def problem_with_route(self, origin, destination, segments, limit):
        """Why a found route is wrong, or None."""
        if not segments:
            return "a route without segments"
        if segments[0].origin != origin or segments[-1].destination != destination:
            return f"the route runs {segments[0].origin}-{segments[-1].destination}"
        for index, segment in enumerate(segments):
            if index and segment.origin != segments[index - 1].destination:
                return f"segment {index} starts at {segment.origin}, not where segment {index - 1} ends"
            airlines = self.airlines_by_pair.get((segment.origin, segment.destination))
            if airlines is None:
                return f"segment {index} {segment.origin}-{segment.destination} is no ROUTE of the graph"
            if not set(segment.airlines) or not set(segment.airlines) <= airlines:
                return (f"segment {index} {segment.origin}-{segment.destination} names airlines "
                        f"{sorted(segment.airlines)}, the graph has {sorted(airlines)}")
        fewest = self.fewest_segments(origin, destination, limit)
        if fewest != len(segments):
            return f"{len(segments)} segments, but the graph has a route with {fewest}"
        return None

    def problem_with_no_route(self, origin, destination, limit):
        fewest = self.fewest_segments(origin, destination, limit)
        if fewest is not None:
            return f"answered no route, but the graph has one with {fewest} segments"
        return None
