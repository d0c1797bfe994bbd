import './screen.css';

const root = document.getElementById('screen');
if (root) root.textContent = '正在连接…';
