// The one stylesheet: small, readable, phone-first; system fonts, no scripts, dark mode by preference.
export const STYLESHEET = `
:root{--fg:#1d2330;--muted:#5b6475;--bg:#fbfbfd;--card:#fff;--line:#e3e6ee;--accent:#1f5fbf;--ok:#1c7c4a;--warn:#9a5b00;
--radius:10px;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9f0;--muted:#9aa3b5;--bg:#12151c;--card:#1a1e27;--line:#2b3140;--accent:#7fb0ff;--ok:#5fd39a;--warn:#f0b35a}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
header.site{border-bottom:1px solid var(--line);background:var(--card)}
header.site div{max-width:52rem;margin:0 auto;padding:.75rem 1rem;display:flex;gap:1rem;align-items:baseline}
header.site a.brand{font-weight:700;text-decoration:none;color:var(--fg);letter-spacing:.01em}
main{max-width:52rem;margin:0 auto;padding:1rem 1rem 3rem}
h1{font-size:1.6rem;line-height:1.25;margin:1rem 0 .5rem}
h2{font-size:1.2rem;margin:2rem 0 .75rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:0 0 .35rem}
nav.crumbs{font-size:.9rem;color:var(--muted)}
p.lead{color:var(--muted);margin-top:0}
ul.cards{list-style:none;padding:0;margin:0;display:grid;gap:.75rem}
ul.cards>li{background:var(--card);border:1px solid var(--line);border-radius:var(--radius);padding:.85rem 1rem}
ul.links{list-style:none;padding:0;margin:.4rem 0 0;display:flex;flex-direction:column;gap:.3rem}
ul.links a{word-break:break-all}
.kind{display:inline-block;font-size:.75rem;font-weight:600;text-transform:uppercase;letter-spacing:.04em;
border:1px solid var(--line);border-radius:999px;padding:0 .5rem;margin-right:.4rem;color:var(--muted);white-space:nowrap}
.status{font-size:.85rem;font-weight:600}
.status.published{color:var(--ok)}.status.missing,.status.none{color:var(--warn)}
.count{color:var(--muted);font-weight:400}
.description p,.description ul{margin:.6rem 0}
.description a{word-break:break-all}
.changes time{color:var(--muted);font-size:.85rem}
.changes h3{margin:.35rem 0 0}
pre.excerpt{white-space:pre-wrap;word-break:break-word;background:var(--bg);border-left:3px solid var(--line);
padding:.4rem .6rem;margin:.4rem 0;font:.85rem/1.45 ui-monospace,SFMono-Regular,Menlo,monospace}
.changes a.url{font-size:.85rem;word-break:break-all}
p.subscribe{font-size:.9rem;color:var(--muted);margin:.4rem 0 1rem}
form.mail-subscribe{background:var(--card);border:1px solid var(--line);border-radius:var(--radius);padding:.85rem 1rem;
margin:.4rem 0 1rem;display:flex;flex-wrap:wrap;gap:.5rem .75rem;align-items:center}
form.mail-subscribe h2{flex-basis:100%;font-size:1rem;margin:0;padding:0;border:0}
form.mail-subscribe input[type=email]{flex:1 1 14rem;font:inherit;padding:.4rem .6rem;border:1px solid var(--line);
border-radius:6px;background:var(--bg);color:var(--fg)}
form.mail-subscribe fieldset{border:0;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:.25rem .75rem;
align-items:center;font-size:.9rem}
form.mail-subscribe legend{float:left;color:var(--muted)}
form.mail-subscribe legend,form.mail-subscribe fieldset label{white-space:nowrap}
form.mail-subscribe button{font:inherit;font-weight:600;padding:.4rem 1rem;border:0;border-radius:6px;
background:var(--accent);color:var(--bg);cursor:pointer}
form.mail-subscribe p{flex-basis:100%;margin:0;font-size:.85rem}
ul.cards label.follow{font-size:.85rem;color:var(--muted);margin-left:.5rem;white-space:nowrap}
form.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0 0}
form.actions button{font:inherit;font-size:.9rem;padding:.3rem .8rem;border:1px solid var(--accent);border-radius:6px;
background:var(--card);color:var(--accent);cursor:pointer}
p.notice{background:var(--card);border-left:3px solid var(--ok);padding:.5rem .75rem}
ul.cards h4{font-size:1.05rem;margin:.15rem 0 .35rem}
form.find{margin:.4rem 0 1rem;font-size:.9rem;color:var(--muted)}
form.find .row{display:flex;flex-wrap:wrap;gap:.5rem .75rem;align-items:flex-end;margin-top:.2rem}
form.find .row>input{flex:1 1 10rem;min-width:0}
form.find .field{display:flex;flex-direction:column;gap:.15rem;min-width:0;max-width:100%}
form.find input,form.find select{font:inherit;font-size:1rem;max-width:100%;padding:.35rem .5rem;border:1px solid var(--muted);
border-radius:6px;background:var(--card);color:var(--fg)}
form.find button{font:inherit;font-size:1rem;font-weight:600;padding:.4rem 1rem;border:0;border-radius:6px;
background:var(--accent);color:var(--bg);cursor:pointer}
form.find details{margin-top:.4rem}
summary{cursor:pointer;color:var(--accent)}
p.found{font-weight:600}
ul.days{margin:.4rem 0;padding-left:1.2rem}
ul.problems{color:var(--warn)}
footer{max-width:52rem;margin:0 auto;padding:1rem;color:var(--muted);font-size:.85rem;border-top:1px solid var(--line)}
`;
