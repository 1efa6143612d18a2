"""Hand-made news pages (invented outlets and events) with the chrome real pages carry, and what each states."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    html: str
    paragraphs: tuple[str, ...]  # the article's own paragraphs, each must survive extraction
    chrome: tuple[str, ...]  # navigation, banners, related links, footers: none may survive
    title: str
    outlet: str
    author: str
    date: str


_NAV = """<header><a href="/">The Harbour Gazette</a><nav><ul><li><a href="/world">World</a></li>
<li><a href="/business">Business</a></li><li><a href="/sport">Sport</a></li><li><a href="/opinion">Opinion</a></li>
</ul></nav><form role="search"><input name="q" placeholder="Search the Gazette"><button>Go</button></form></header>"""
_COOKIES = """<div id="cookie-banner" class="consent"><p>We use cookies to improve your experience on our site and to
show you relevant advertising. By clicking Accept all cookies you agree to our cookie policy.</p>
<button>Accept all cookies</button><button>Manage preferences</button></div>"""
_RELATED = """<aside class="related"><h3>Related stories</h3><ul>
<li><a href="/a">Ferry timetable changes announced for the winter season</a></li>
<li><a href="/b">Council approves new budget for road repairs in the north</a></li>
<li><a href="/c">Opinion: why the harbour needs a second crossing soon</a></li></ul></aside>"""
_FOOTER = """<footer><div class="newsletter"><h4>Subscribe to our newsletter</h4><p>Get the morning briefing in your
inbox every weekday.</p><input type="email"><button>Sign up</button></div><p>Contact us | Advertise | Terms of use
| Privacy policy</p><p>© 2024 Harbour Media Group. All rights reserved.</p></footer>"""

_FULL_PARAGRAPHS = (
    "The Kestrel Bridge reopened to traffic on Thursday morning after eleven months of repairs that cost the "
    "city 42 million dollars, officials said.",
    "Mayor Alicia Brandt cut a ribbon at the eastern approach shortly after 7 a.m., telling a small crowd of "
    "commuters that the work had finished two weeks ahead of schedule.",
    "The bridge, which carries about 60,000 vehicles a day, was closed last spring when inspectors found "
    "corrosion in two of its main support cables.",
    "Engineers replaced both cables and resurfaced the deck, and the speed limit on the span has been lowered "
    "from 50 to 40 miles per hour while the new surface settles.",
    "Local businesses on the waterfront said the closure had cut their takings by as much as a third, and the "
    "chamber of commerce has asked the city for a relief fund.",
    "City engineer Tomas Riedel said the next inspection is due in 2026 and that sensors fitted to the cables "
    "will now report strain readings every hour.",
)

FULL = Page(
    html=f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Kestrel Bridge reopens after cable repairs | The Harbour Gazette</title>
<meta property="og:title" content="Kestrel Bridge reopens after cable repairs">
<meta property="og:site_name" content="The Harbour Gazette">
<meta property="og:url" content="https://harbourgazette.example/news/kestrel-bridge-reopens">
<meta property="og:type" content="article">
<link rel="canonical" href="https://harbourgazette.example/news/kestrel-bridge-reopens">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "Kestrel Bridge reopens after cable repairs", "datePublished": "2023-03-09T07:45:00-05:00",
"dateModified": "2023-03-10T12:00:00-05:00", "author": {{"@type": "Person", "name": "Maria Okafor"}},
"publisher": {{"@type": "Organization", "name": "The Harbour Gazette"}}}}</script>
<script>window.dataLayer = [{{"page": "article"}}];</script><style>.consent {{ position: fixed; }}</style>
</head><body>{_COOKIES}{_NAV}
<main><article><h1>Kestrel Bridge reopens after cable repairs</h1>
<div class="byline">By <a href="/authors/maria-okafor" rel="author">Maria Okafor</a>, City Desk
<time datetime="2023-03-09T07:45:00-05:00">March 9, 2023</time></div>
<figure><img src="bridge.jpg" alt="The bridge at dawn"><figcaption>The bridge at dawn. Photo: Gazette</figcaption>
</figure>
{"".join(f"<p>{p}</p>" for p in _FULL_PARAGRAPHS[:3])}
<div class="ad-slot">Advertisement</div>
{"".join(f"<p>{p}</p>" for p in _FULL_PARAGRAPHS[3:])}
<div class="share">Share this article: Facebook Twitter Email</div>
</article>{_RELATED}</main>{_FOOTER}</body></html>""",
    paragraphs=_FULL_PARAGRAPHS,
    chrome=("Accept all cookies", "Related stories", "Ferry timetable", "Subscribe to our newsletter",
            "All rights reserved", "Search the Gazette", "Share this article", "Privacy policy"),
    title="Kestrel Bridge reopens after cable repairs", outlet="The Harbour Gazette", author="Maria Okafor",
    date="2023-03-09",
)

_BRIEF_PARAGRAPHS = (
    "Firefighters put out a blaze at a warehouse on Dock Road late on Sunday. No one was hurt.",
    "The cause of the fire is under investigation, the fire service said.",
)

BRIEF = Page(
    html=f"""<html><head><title>Warehouse fire on Dock Road - Valley Courier</title>
<meta property="og:site_name" content="Valley Courier"><meta name="author" content="Sam Whitlow">
<meta property="article:published_time" content="2023-02-12T23:10:00Z"></head><body>{_NAV}
<article><h1>Warehouse fire on Dock Road</h1>
{"".join(f"<p>{p}</p>" for p in _BRIEF_PARAGRAPHS)}</article>{_RELATED}{_FOOTER}</body></html>""",
    paragraphs=_BRIEF_PARAGRAPHS,
    chrome=("Related stories", "Subscribe to our newsletter", "All rights reserved"),
    title="Warehouse fire on Dock Road", outlet="Valley Courier", author="Sam Whitlow", date="2023-02-12",
)

_DIV_PARAGRAPHS = (
    "Shares in Norrland Mining fell 12 percent on Tuesday after the company cut its forecast for copper "
    "output this year, citing flooding at its largest pit.",
    "Chief executive Lena Holm said production at the Vittangi site would resume in June at the earliest, "
    "and that the company would not pay a dividend for the first half.",
    "Analysts at two banks lowered their price targets, and one said the flooding exposed how much the "
    "company depends on a single mine for most of its revenue.",
    "The company also said it would sell its stake in a zinc project in Portugal to raise cash, a move that "
    "investors had expected since the autumn.",
)

DIVS = Page(
    html=f"""<html><head><title>Norrland Mining shares fall after flood cuts forecast</title>
<meta name="author" content="Erik Lund"><meta name="date" content="2023-01-17">
<meta property="og:site_name" content="Nordic Markets Daily"></head><body>{_NAV}
<div id="wrap"><div class="sidebar"><h3>Most read</h3><div><a href="/x">Five stocks to watch this week</a></div>
<div><a href="/y">Krona slides against the euro</a></div></div>
<div class="story"><h1>Norrland Mining shares fall after flood cuts forecast</h1><div class="meta">Erik Lund</div>
{"".join(f"<div class='para'>{p}</div>" for p in _DIV_PARAGRAPHS)}</div></div>{_FOOTER}</body></html>""",
    paragraphs=_DIV_PARAGRAPHS,
    chrome=("Most read", "Five stocks to watch", "Subscribe to our newsletter", "All rights reserved"),
    title="Norrland Mining shares fall after flood cuts forecast", outlet="Nordic Markets Daily",
    author="Erik Lund", date="2023-01-17",
)

_NODATE_PARAGRAPHS = (
    "The Riverside library will close for renovation from next month, the county council has confirmed.",
    "The building first opened on 3 January 1998 and has not been refurbished since, according to council "
    "records that were published alongside the decision.",
    "Books can be borrowed from a temporary branch in the town hall while the work goes on, and the mobile "
    "library will visit the outlying villages twice a week.",
)

NODATE = Page(
    html=f"""<html><head><title>Riverside library to close for renovation</title></head><body>{_NAV}
<article><h1>Riverside library to close for renovation</h1>
{"".join(f"<p>{p}</p>" for p in _NODATE_PARAGRAPHS)}</article>{_FOOTER}</body></html>""",
    paragraphs=_NODATE_PARAGRAPHS,
    chrome=("Subscribe to our newsletter", "All rights reserved"),
    title="Riverside library to close for renovation", outlet="", author="", date="",
)

PAGES = {"full": FULL, "brief": BRIEF, "divs": DIVS, "nodate": NODATE}
