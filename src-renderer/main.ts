import { mount } from 'svelte';
import App from './App.svelte';
import { connect } from './lib/api/client';
import './styles/app.css';

const { api, transport } = connect();
const target = document.getElementById('app');
if (!target) throw new Error('#app is missing from index.html');

mount(App, { target, props: { api, transport } });
