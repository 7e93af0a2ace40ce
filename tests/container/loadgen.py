"""A steady load of GETs and PUTs against one loopback address, for the stack tests.

Each worker thread keeps one keep-alive connection and sends requests at a fixed pace. It never
retries: a failed request counts as a failure, a broken connection as a connection error. A PUT
counts as acknowledged only on 204; each worker writes its own names one after another, so the
last acknowledged date of every name is known and can be read back afterwards.
"""

import datetime
import http.client
import random
import string
import threading
import time
import urllib.parse

LOOPBACK = "127.0.0.1"


def letters(number):
    """A name part made of letters only (usernames may not contain digits)."""
    text = ""
    while True:
        number, rest = divmod(number, 26)
        text += string.ascii_lowercase[rest]
        if number == 0:
            return text


def days_until_birthday(birthday, today):
    """The service's rule: days to the next occurrence; 29 February falls on 28 February."""
    for year in (today.year, today.year + 1):
        try:
            next_day = birthday.replace(year=year)
        except ValueError:
            next_day = datetime.date(year, 2, 28)
        if next_day >= today:
            return (next_day - today).days
    raise AssertionError("unreachable")


def greeting(name, birthday, today):
    days = days_until_birthday(birthday, today)
    if days == 0:
        return f"Hello, {name}! Happy birthday!"
    unit = "day" if days == 1 else "days"
    return f"Hello, {name}! Your birthday is in {days} {unit}"


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.failures = 0
        self.connection_errors = 0
        self.worst_latency = 0.0
        self.latencies = []
        self.failure_samples = []

    def record(self, latency, failure=None, connection_error=False):
        with self.lock:
            self.requests += 1
            self.latencies.append(latency)
            self.worst_latency = max(self.worst_latency, latency)
            if connection_error:
                self.connection_errors += 1
            elif failure:
                self.failures += 1
            if (failure or connection_error) and len(self.failure_samples) < 10:
                self.failure_samples.append(failure)

    def percentile(self, fraction):
        with self.lock:
            ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    def summary(self):
        return (f"{self.requests} requests, {self.failures} failed, "
                f"{self.connection_errors} connection errors, "
                f"p50 {self.percentile(0.5) * 1000:.1f} ms, "
                f"p99 {self.percentile(0.99) * 1000:.1f} ms, "
                f"worst {self.worst_latency * 1000:.1f} ms")


class LoadGenerator:
    """Starts `workers` threads, each sending `rate` requests a second, `put_share` of them PUTs."""

    def __init__(self, port, workers=6, rate=25, put_share=0.4, run_id=None, timeout=10.0):
        self.port = port
        self.workers = workers
        self.rate = rate
        self.put_share = put_share
        self.timeout = timeout
        self.run_id = run_id or letters(random.randrange(26 ** 5))
        self.stats = Stats()
        self.stop_event = threading.Event()
        self.threads = []
        self.acknowledged = {}  # name -> date of its last PUT answered 204
        self.ack_lock = threading.Lock()

    def start(self):
        for index in range(self.workers):
            thread = threading.Thread(target=self._worker, args=(index,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self):
        self.stop_event.set()
        for thread in self.threads:
            thread.join(self.timeout + 5)
        alive = [thread for thread in self.threads if thread.is_alive()]
        if alive:
            raise AssertionError(f"{len(alive)} load workers did not stop")

    def _connect(self):
        return http.client.HTTPConnection(LOOPBACK, self.port, timeout=self.timeout)

    def _worker(self, index):
        rng = random.Random(f"{self.run_id}-{index}")
        names = [f"Load{self.run_id}{letters(index)}x{letters(n)}" for n in range(40)]
        mine = {}
        connection = self._connect()
        interval = 1.0 / self.rate
        next_time = time.monotonic() + rng.random() * interval
        while not self.stop_event.is_set():
            pause = next_time - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            next_time += interval
            if not mine or rng.random() < self.put_share:
                name = rng.choice(names)
                birthday = datetime.date(rng.randrange(1950, 2015), rng.randrange(1, 13),
                                         rng.randrange(1, 29))
                connection = self._put(connection, name, birthday, mine)
            else:
                name = rng.choice(list(mine))
                connection = self._get(connection, name, mine[name])
        connection.close()
        with self.ack_lock:
            self.acknowledged.update(mine)

    def _request(self, connection, method, path, body=None, headers=None):
        """Returns (connection, status, body, latency); status None after a connection error."""
        start = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            data = response.read()
            return connection, response.status, data, time.monotonic() - start
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            latency = time.monotonic() - start
            self.stats.record(latency, f"{method}: {type(error).__name__}: {error}",
                              connection_error=True)
            return self._connect(), None, None, latency

    def _put(self, connection, name, birthday, mine):
        path = "/hello/" + urllib.parse.quote(name)
        body = ('{"dateOfBirth": "%s"}' % birthday.isoformat()).encode()
        connection, status, data, latency = self._request(
            connection, "PUT", path, body, {"Content-Type": "application/json"})
        if status is None:
            mine.pop(name, None)  # unknown whether it was stored: not checked afterwards
            return connection
        if status == 204:
            mine[name] = birthday
            self.stats.record(latency)
        else:
            mine.pop(name, None)
            self.stats.record(latency, f"PUT answered {status}: {data[:200]!r}")
        return connection

    def _get(self, connection, name, birthday):
        path = "/hello/" + urllib.parse.quote(name)
        connection, status, data, latency = self._request(connection, "GET", path)
        if status is None:
            return connection
        failure = None
        if status != 200:
            failure = f"GET answered {status}: {data[:200]!r}"
        elif not self._greeting_matches(data, name, birthday):
            failure = f"GET returned another greeting: {data[:200]!r}"
        self.stats.record(latency, failure)
        return connection

    @staticmethod
    def _greeting_matches(data, name, birthday):
        # The day count depends on the date in UTC, which may turn over during a run.
        now = datetime.datetime.now(datetime.timezone.utc)
        days = {now.date(), (now - datetime.timedelta(seconds=30)).date()}
        text = data.decode("utf-8", "replace")
        return any(f'"{greeting(name, birthday, day)}"' in text for day in days)

    def verify_acknowledged(self):
        """Reads back every acknowledged PUT; returns (checked, list of mismatches)."""
        connection = self._connect()
        mismatches = []
        for name, birthday in sorted(self.acknowledged.items()):
            path = "/hello/" + urllib.parse.quote(name)
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as error:
                mismatches.append(f"{name}: {error}")
                connection.close()
                connection = self._connect()
                continue
            if response.status != 200 or not self._greeting_matches(data, name, birthday):
                mismatches.append(f"{name}: {response.status} {data[:200]!r}")
        connection.close()
        return len(self.acknowledged), mismatches
