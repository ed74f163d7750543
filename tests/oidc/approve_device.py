"""Acts as the user of a device login on the test OAuth server (server.js): opens the
verification URL with the user code, confirms, logs in through devInteractions' form, with a
cookie jar. Standard library only.

Usage: approve_device.py VERIFICATION_URI_COMPLETE
"""
import http.cookiejar
import re
import sys
import urllib.error
import urllib.parse
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main():
    url = sys.argv[1]
    base = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(url))
    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(target, data=None):
        target = target if target.startswith("http") else base + target
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with opener.open(urllib.request.Request(target, data=body), timeout=10) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()

    def follow(target, data=None):
        status, headers, body = request(target, data)
        while status in (302, 303):
            status, headers, body = request(headers["Location"])
        return status, headers, body

    status, _, body = follow(url)
    form = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', body, re.S)
    if not form:
        sys.exit(f"no confirm form (HTTP {status}): {body[:300]}")
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(2)))
    status, _, body = follow(form.group(1), dict(fields, confirm="yes"))
    while status == 200 and 'name="prompt"' in body:
        action = re.search(r'action="([^"]+)"', body).group(1)
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body))
        status, _, body = follow(action, dict(hidden, login="alice", password="x"))
    if "Success" not in body:
        sys.exit(f"the device login was not confirmed (HTTP {status}): {body[:300]}")
    print("approved")


if __name__ == "__main__":
    main()
