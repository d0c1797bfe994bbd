import './screen.css';
import { ScreenApp } from './app.js';

/** `/screen/:campaignId?token=…`: the campaign from the path, the screen token from the query. */
const campaignId = decodeURIComponent(location.pathname.split('/').filter(Boolean)[1] ?? '');
const token = new URLSearchParams(location.search).get('token') ?? undefined;
const app = new ScreenApp(campaignId, token);
// For the benchmark and the browser tests: what the screen shows, and when it drew each update.
(window as unknown as { __rallyScreen: ScreenApp['probe'] }).__rallyScreen = app.probe;
